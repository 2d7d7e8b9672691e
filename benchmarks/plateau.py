"""The paper's claims at a plateau: learning curves of the viewpoint models trained until their val AP stops rising
(the runs and the report are :mod:`mmpose_mdn.experiments.plateau`)::

    python benchmarks/plateau.py --claims --seeds 101 102 103 --jobs 2 --report benchmarks/results/plateau.md

Each run (regime, model, recipe, seed) is cached under ``--work-dir`` and resumable: the same call continues it;
once finished (its claims' scores included) its record (the JSON files the reports read) is saved under
``--records`` (:mod:`mmpose_mdn.experiments.records`, committed), and a later call on any machine trains it no more.
``--iters`` more iterations at a time until the AP, with refinement on and off, rose less than 0.01 over the last
quarter (at least ``--min-scores`` scores) or ``--max-iters``; a score every ``--every``. ``--quick`` is the CI check
(tiny scenes).

``--lr-step FACTOR`` continues each run, once finished, ``--step-iters`` iterations with its lr x FACTOR
(:mod:`mmpose_mdn.experiments.lr_step`) in ``--step-dir`` (in the same job: the step needs the run's last
checkpoint, which only the machine that trained it has); ``--step-report`` is the report of the stepped runs::

    python benchmarks/plateau.py --claims --seeds 101 102 103 --lr-step 0.1 \\
        --report benchmarks/results/plateau.md --step-report benchmarks/results/plateau_lr_step.md

``--readme README.md`` also writes the claims tables (at the plateau, after the lr step) and each run's AP per seed
into that file's sections ``plateau-claims``, ``lr-step-claims`` and ``lr-step-ap``
(:mod:`mmpose_mdn.experiments.generated_sections`).
"""
import argparse
import os
import os.path as osp
import sys

from mmpose_mdn.experiments import claims, generated_sections, lr_step, records
from mmpose_mdn.experiments import plateau as pl


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--regimes', nargs='+', default=['ambiguous'], choices=list(pl.REGIMES))
    parser.add_argument('--runs', nargs='+', default=['L1', 'MDN2:gate'], metavar='MODEL[:RECIPE]',
                        help=f'models {", ".join(pl.MODELS)}; recipes {", ".join(pl.RECIPES)} (default gate)')
    parser.add_argument('--claims', action='store_true',
                        help='the runs of the claims table (mmpose_mdn.experiments.claims.CLAIMS) instead of '
                             '--regimes x --runs')
    parser.add_argument('--seeds', nargs='+', type=int, default=[51])
    parser.add_argument('--iters', type=int, default=2000, help='iterations trained at a time')
    parser.add_argument('--every', type=int, default=1000, help='iterations between scores (a multiple of 100)')
    parser.add_argument('--max-iters', type=int, default=24000)
    parser.add_argument('--min-scores', type=int, default=8, help='scores before a run may count as plateaued')
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--work-dir', default=osp.join(pl.ROOT, 'work_dirs', 'plateau'))
    parser.add_argument('--records', default=osp.join(pl.ROOT, 'benchmarks', 'results', 'runs'),
                        help='where the finished runs\' records are kept (committed)')
    parser.add_argument('--report', help='write the report (markdown) here; plots go to --plots-dir')
    parser.add_argument('--report-only', action='store_true', help='train nothing: the report of the cached runs')
    parser.add_argument('--plots-dir', default=osp.join(pl.ROOT, 'docs'))
    parser.add_argument('--tag', default='', help='suffix of the plots\' file names')
    parser.add_argument('--lr-step', type=float, metavar='FACTOR',
                        help='continue each run, once finished, with its lr x FACTOR')
    parser.add_argument('--step-report', help='with --lr-step: the report of the stepped runs (markdown)')
    parser.add_argument('--step-iters', type=int, default=2000, help='iterations after the lr step')
    parser.add_argument('--step-every', type=int, default=500, help='iterations between scores after the lr step')
    parser.add_argument('--step-dir', default=osp.join(pl.ROOT, 'work_dirs', 'plateau_lr_step'))
    parser.add_argument('--readme', help='with --report and --step-report: write the claims tables and the AP per '
                        'seed into this Markdown file\'s sections plateau-claims, lr-step-claims and lr-step-ap')
    parser.add_argument('--quick', action='store_true',
                        help='16 training images, 4 iterations, a score every 2 (an lr step: 2 more)')
    args = parser.parse_args(argv)
    size = 'quick' if args.quick else 'full'
    if args.quick:
        args.iters, args.every, args.max_iters, args.step_iters, args.step_every = 4, 2, 4, 2, 2
    per_epoch = pl.SIZES[size]['train'] // pl.BATCH
    if args.every % per_epoch or args.iters % args.every:
        parser.error(f'--every must be a multiple of {per_epoch} iterations (an epoch) and --iters of --every')
    if args.step_every % per_epoch or args.step_iters % args.step_every:
        parser.error(f'--step-every must be a multiple of {per_epoch} iterations (an epoch) and --step-iters of '
                     '--step-every')
    pairs = [tuple((run + ':gate').split(':')[:2]) for run in args.runs]
    for model, recipe in pairs:
        if model not in pl.MODELS or recipe not in pl.RECIPES:
            parser.error(f'unknown run {model}:{recipe}; models {", ".join(pl.MODELS)}, recipes '
                         f'{", ".join(pl.RECIPES)}')
    runs = claims.claims_runs() if args.claims else list(dict.fromkeys(
        (r, m, 'gate' if m == 'L1' else v) for r in args.regimes for m, v in pairs))
    stepped = args.lr_step is not None
    if args.step_report and not stepped:
        parser.error('--step-report needs --lr-step')
    if args.readme and not (args.report and args.step_report):
        parser.error('--readme needs --report and --step-report (with --lr-step)')
    step = dict(factor=args.lr_step, iters=args.step_iters, every=args.step_every, step_dir=args.step_dir)
    jobs = [dict(regime=r, model=m, recipe=v, seed=s, iters=args.iters, every=args.every, max_iters=args.max_iters,
                 work_dir=args.work_dir, size=size, min_scores=args.min_scores, records=args.records,
                 step=step if stepped else None) for r, m, v in runs for s in args.seeds]
    if not args.report_only:
        records.run_jobs(jobs, args.jobs)
    command = 'python ' + ' '.join(['benchmarks/plateau.py'] + (argv if argv is not None else sys.argv[1:]))
    for path, work_dir, of_steps in ((args.report, args.work_dir, False), (args.step_report, args.step_dir, True)):
        if not path:
            continue
        for job in jobs:  # the finished runs of other machines
            key = (job['regime'], job['model'], job['recipe'], job['seed'])
            records.restore(records.record_dir(args.records, work_dir, *key), pl.run_dir(work_dir, *key),
                            args.max_iters)
        claims.score_finished(runs, args.seeds, work_dir, args.max_iters, size, args.jobs)
        if of_steps:
            title = f'After the plateau, the lr x {args.lr_step:g} for {args.step_iters} iterations'
            report = pl.write_report(
                runs, args.seeds, work_dir, args.plots_dir, args.max_iters, command, args.tag + '_lr_step',
                tail=False, stage='after the lr step', preface=['## AP at the plateau and after the lr step', '']
                + lr_step.step_table(runs, args.seeds, args.work_dir, args.step_dir))
        else:
            title = 'The paper\'s claims at a plateau: learning curves'
            report = pl.write_report(runs, args.seeds, work_dir, args.plots_dir, args.max_iters, command, args.tag)
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        with open(path, 'w') as f:
            f.write(f'# {title}\n\n' + report + '\n')
        print(report)
    if args.readme:
        judged = claims.claims_among(runs)
        generated_sections.splice(args.readme, {
            'plateau-claims': claims.claims_table(args.work_dir, args.seeds, args.max_iters, judged),
            'lr-step-claims': claims.claims_table(args.step_dir, args.seeds, args.max_iters, judged),
            'lr-step-ap': lr_step.seed_table(runs, args.seeds, args.work_dir, args.step_dir, args.max_iters)})


if __name__ == '__main__':
    main()
