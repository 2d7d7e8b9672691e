"""Calibration of the main job's MDN models (:mod:`mmpose_mdn.experiments.calibration`)::

    python benchmarks/calibration.py --work-dir work_dirs/viewpoint_benchmark_v5 --seeds 31 32 33 \\
        --models MDN2 MDN3 --report benchmarks/results/calibration.md
    python benchmarks/calibration.py --runs work_dirs/plateau/ambiguous/MDN2_start/seed10{1,2,3} \\
        --report benchmarks/results/calibration_plateau.md      # any run folders, e.g. the plateau runs

Each run's parameters are fitted on a calibration split it never saw, then measured on its own val scenes (cached
in ``<run>/calibration.json``).
"""
import argparse
import sys

from mmpose_mdn.experiments import calibration


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', help='a benchmarks/viewpoint_benchmark.py work dir (with --seeds)')
    parser.add_argument('--seeds', type=int, nargs='+')
    parser.add_argument('--runs', nargs='+', help='run folders .../<MODEL>/seed<S> instead (benchmarks/plateau.py\'s)')
    parser.add_argument('--models', nargs='+', default=['MDN2', 'MDN3'])
    parser.add_argument('--refine', choices=['on', 'off'], default='on', help='heatmap refinement of the keypoints')
    parser.add_argument('--report', help='write the Markdown report here')
    args = parser.parse_args(argv)
    if (args.runs is None) == (args.work_dir is None or args.seeds is None):
        parser.error('give --work-dir with --seeds, or --runs')
    import mmpose_mdn  # noqa: F401  registers the components
    refine = args.refine == 'on'
    results = (calibration.calibrate_folders(args.runs, refine) if args.runs else
               calibration.calibrate_runs(args.work_dir, args.seeds, args.models, refine))
    text = calibration.report(results, 'python benchmarks/calibration.py ' + ' '.join(argv or sys.argv[1:]), refine)
    print(text)
    if args.report:
        with open(args.report, 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()
