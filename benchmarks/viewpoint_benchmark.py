"""The viewpoint benchmark on CPU: does an MDN separate the front/back modes that pull an L1 regressor?

Per seed: writes the synthetic two-viewpoint scenes (:mod:`mmpose_mdn.viewpoint`), trains and tests the L1 base
model and MDN1/2/3 of ``configs/viewpoint/`` in-process (:mod:`viewpoint.runner`), reads what the MDN2/MDN3
components do at the annotated people, and writes ``report.md`` (:mod:`mmpose_mdn.viewpoint.report`: the verdict,
AP/AR as mean ± std over seeds, the share of people per component and viewpoint, plots and examples)::

    python benchmarks/viewpoint_benchmark.py [--quick] [--seeds 0 1 2] [--models L1 MDN2] [--epochs 40] [--jobs 2]
                                             [--hidden-cue 0.5] [--work-dir work_dirs/viewpoint_benchmark]

``--quick`` is the CI variant (48 training images, 6 iterations a model): it checks the pipeline, not the claim.
``--jobs`` models train at once, each in its own process with one thread (2 on 2 cores: twice the throughput).
``--hidden-cue`` hides the viewpoint cue of that share of people in every split (:class:`~mmpose_mdn.viewpoint.Person`).
"""
import argparse
import os.path as osp
import time

from viewpoint.runner import EPOCHS, HIDDEN_CUE, MODELS, ROOT, SIZES, log, model_config, run_all, run_options


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true', help='CI variant: few images and iterations')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0], help='data and training seeds')
    parser.add_argument('--models', nargs='+', default=list(MODELS), choices=list(MODELS))
    parser.add_argument('--epochs', type=int, help=f'train this many epochs instead of the config\'s {EPOCHS} (100 '
                        'iterations each), e.g. to check whether a model is under-trained')
    parser.add_argument('--jobs', type=int, default=2, help='models trained at once (one thread each)')
    parser.add_argument('--hidden-cue', type=float, default=HIDDEN_CUE,
                        help='probability per person that the viewpoint cue (face, shoe direction) is hidden '
                        f'(default {HIDDEN_CUE:g}, the configs\' value; 0: every cue visible)')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'viewpoint_benchmark'))
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f'--jobs must be >= 1, got {args.jobs}')
    if not 0 <= args.hidden_cue <= 1:
        parser.error(f'--hidden-cue must be in [0, 1], got {args.hidden_cue}')
    from mmpose_mdn.viewpoint import generate_viewpoint_scenes
    from mmpose_mdn.viewpoint.report import write_benchmark_report
    sizes = dict(SIZES['quick' if args.quick else 'full'], **({'epochs': args.epochs} if args.epochs else {}))
    work_dir, start, runs = osp.abspath(args.work_dir), time.time(), []
    for i, seed in enumerate(args.seeds):
        data_root, t = osp.join(work_dir, 'data', f'seed{seed}'), time.time()
        for split in ('train', 'val'):
            generate_viewpoint_scenes(data_root, split, sizes[split], seed, hidden_cue=args.hidden_cue)
        log(f'seed {seed} ({i + 1}/{len(args.seeds)}): {sizes["train"]} train + {sizes["val"]} val images in '
            f'{data_root} ({time.time() - t:.0f} s)')
        runs += [dict(seed=seed, name=name, config=model_config(name), tag=f'seed {seed} {name}', data_root=data_root,
                      work_dir=osp.join(work_dir, f'seed{seed}', name), components=name in ('MDN2', 'MDN3'),
                      options=run_options(seed, data_root, sizes, args.hidden_cue)) for name in args.models]
    done = {(run['seed'], run['name']): result for run, result in run_all(runs, args.jobs)}
    results = {seed: {name: done[seed, name] for name in args.models} for seed in args.seeds}
    command = ' '.join(['python benchmarks/viewpoint_benchmark.py'] + ['--quick'] * args.quick + [
        '--seeds', *map(str, args.seeds)] + ['--models', *args.models] * (args.models != list(MODELS)) + [
        f'--epochs {args.epochs}'] * bool(args.epochs) + [f'--hidden-cue {args.hidden_cue:g}'])
    path = write_benchmark_report(results, work_dir, command, time.time() - start, {
        name: osp.join(work_dir, f'seed{args.seeds[0]}', name, 'predictions.pkl') for name in args.models})
    log(f'done in {(time.time() - start) / 60:.1f} min: {path}')


if __name__ == '__main__':
    main()
