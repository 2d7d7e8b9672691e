"""The MDN cold start: learning curves of L1 and MDN heads, and what reaches the backbone, over the first iterations
(the runs and the report are :mod:`mmpose_mdn.experiments.cold_start`)::

    python benchmarks/cold_start.py --regimes coco_test4 --runs L1 MDN1:data+beta+w0.03 MDN3:data+beta+w0.03 \\
        --seeds 41 42 43 --jobs 2 --report benchmarks/results/cold_start.md

Each run (regime, model, variant, seed) is cached under ``--work-dir`` and resumable; ``--jobs`` runs at once, one
torch thread each. ``--report FILE`` writes the tables (mean ± std over ``--seeds``, the ratio to L1) and the plots
(``docs/cold_start_<regime>*.png``); ``--quick`` is the CI check of the whole path (2 iterations).
"""
import argparse
import os
import os.path as osp
import sys

from mmpose_mdn.experiments import cold_start as cs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--regimes', nargs='+', default=['coco_test4'], choices=list(cs.REGIMES))
    parser.add_argument('--models', nargs='+', default=['L1', 'MDN1', 'MDN3'], choices=list(cs.MODELS))
    parser.add_argument('--variants', nargs='+', default=['paper'])
    parser.add_argument('--runs', nargs='+', metavar='MODEL[:VARIANT]',
                        help='these (model, variant) pairs, in this order, instead of --models x --variants')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0])
    parser.add_argument('--iters', type=int, default=2000)
    parser.add_argument('--every', type=int, default=250, help='iterations between scored checkpoints')
    parser.add_argument('--stop', type=int, help='train the --iters schedule up to this iteration only (a screen; '
                        'the same call with a later --stop continues it)')
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--dynamics-interval', type=int, default=25,
                        help='iterations between TrainingDynamicsHook records (0: none; each costs ~3 iterations)')
    parser.add_argument('--work-dir', default=osp.join(cs.ROOT, 'work_dirs', 'cold_start'))
    parser.add_argument('--report', help='write the report (markdown) here; plots go to docs/')
    parser.add_argument('--report-only', action='store_true', help='train nothing: the report of the cached runs')
    parser.add_argument('--tag', default='', help='suffix of the plots\' file names')
    parser.add_argument('--plots-dir', default=osp.join(cs.ROOT, 'docs'), help='where the plots go')
    parser.add_argument('--quick', action='store_true', help='2 iterations, scored at the end: the CI check')
    args = parser.parse_args(argv)
    if args.quick:
        args.iters, args.every = 2, 2
    pairs = [tuple((run + ':paper').split(':')[:2]) for run in args.runs] if args.runs else [
        (m, v) for m in args.models for v in args.variants]
    for m, v in pairs:
        if m not in cs.MODELS:
            parser.error(f'unknown model {m!r}; known: {", ".join(cs.MODELS)}')
        cs.variant_options(v)
    runs = list(dict.fromkeys((r, m, 'paper' if m == 'L1' else v) for r in args.regimes for m, v in pairs))
    if not args.report_only:
        cs.run_jobs([(r, m, v, s, args.iters, args.every, args.work_dir, args.dynamics_interval, args.stop)
                     for r, m, v in runs for s in args.seeds], args.jobs)
    if args.report:
        report = cs.write_report(runs, args.regimes, args.seeds, args.iters, args.every, args.work_dir,
                                 args.plots_dir, args.tag, ' '.join(argv if argv is not None else sys.argv[1:]))
        os.makedirs(osp.dirname(osp.abspath(args.report)), exist_ok=True)
        with open(args.report, 'w') as f:
            f.write('# The MDN cold start: learning curves and what reaches the backbone\n\n' + report + '\n')
        print(report)


if __name__ == '__main__':
    main()
