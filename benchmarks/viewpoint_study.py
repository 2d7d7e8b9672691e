"""Controlled experiments on the viewpoint benchmark: when does an MDN beat L1 offsets, and does π pick the
viewpoint? Each run (:mod:`viewpoint.study`) trains and tests one model of ``configs/viewpoint/`` with a variant's
config overrides on one seed's scenes, reads its components at the centres, probes its features for the viewpoint,
and caches its result in ``<work-dir>/runs/<run>/result.json``: an interrupted study resumes where it stopped, and
any row is rerun by deleting its folder (or with ``--rerun``)::

    python benchmarks/viewpoint_study.py --groups gate ambiguity convergence sigma [--seeds 100 101]
                                         [--only RUN ...] [--jobs 2] [--work-dir work_dirs/viewpoint_study]
    python benchmarks/viewpoint_study.py --list          # every run of the chosen groups, cached or not

``--quick`` is the CI variant (48 training and 16 validation images, 1 epoch a run). ``--report`` only rewrites
``study.md`` and its plots from the cache. Runs are named ``<model>-<variant>[-hidden<share>][-x<epochs
factor>]-s<seed>``; a run in several groups is trained once.
"""
import argparse
import json
import os
import os.path as osp
import time

from viewpoint.runner import ROOT, SIZES, log
from viewpoint.study import GROUPS, LINE_PLOTS, result_file, run_name, run_study, spec_name


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--groups', nargs='+', default=list(GROUPS), choices=list(GROUPS))
    parser.add_argument('--seeds', type=int, nargs='+', default=[100], help='design seeds: 100, 101')
    parser.add_argument('--only', nargs='+', help='only these runs (names as --list prints, without -s<seed>)')
    parser.add_argument('--rerun', action='store_true', help='train the selected runs again, ignoring the cache')
    parser.add_argument('--quick', action='store_true', help='CI variant: 48 + 16 images, 1 epoch a run')
    parser.add_argument('--list', action='store_true', help='print the runs and whether they are cached')
    parser.add_argument('--report', action='store_true', help='only write study.md from the cache')
    parser.add_argument('--jobs', type=int, default=2, help='runs trained at once (one thread each)')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'viewpoint_study'))
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f'--jobs must be >= 1, got {args.jobs}')
    work_dir = osp.abspath(args.work_dir)
    specs = list(dict.fromkeys(spec for g in args.groups for spec in GROUPS[g]))
    if args.only:
        unknown = set(args.only) - {spec_name(*spec) for spec in specs}
        if unknown:
            parser.error(f'--only names no run of groups {args.groups}: {sorted(unknown)} (see --list)')
        specs = [spec for spec in specs if spec_name(*spec) in args.only]
    cached = lambda spec, seed: osp.isfile(result_file(work_dir, spec, seed))  # noqa: E731
    if args.list:
        print('\n'.join(f'{"cached " if cached(spec, seed) else "pending"} {run_name(spec, seed)}'
                        for seed in args.seeds for spec in specs))
        return
    from mmpose_mdn.viewpoint.report import write_study_report
    os.makedirs(work_dir, exist_ok=True)
    start = time.time()
    if not args.report:
        run_study(specs, args.seeds, work_dir, SIZES['quick' if args.quick else 'full'], args.jobs, args.rerun)
    rows = {g: [(spec, [json.load(open(result_file(work_dir, spec, s))) for s in args.seeds if cached(spec, s)])
                for spec in GROUPS[g]] for g in args.groups}
    command = ' '.join(['python benchmarks/viewpoint_study.py --groups', *args.groups, '--seeds',
                        *map(str, args.seeds)] + ['--quick'] * args.quick)
    path = write_study_report(rows, args.seeds, work_dir, command, LINE_PLOTS)
    log(('' if args.report else f'{len(specs) * len(args.seeds)} run(s) in {(time.time() - start) / 60:.1f} min; ')
        + f'report {path}')


if __name__ == '__main__':
    main()
