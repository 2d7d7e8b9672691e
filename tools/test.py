"""Test (and evaluate) a pose model: ``python tools/test.py CONFIG CHECKPOINT [--out results.json] ...``
(mmpose's tools/test.py, runnable on CPU and under torchrun without CUDA).

``--out FILE.json`` writes the metrics to FILE.json and the COCO-format predictions of CocoMetric to
FILE.keypoints.json; ``--dump FILE.pkl`` pickles every prediction (mmengine's DumpResults; it replaces a
DumpResults of the config, and without it the test refuses to overwrite an existing file that one names). A run's
dumped config tested from its own folder (``work_dir`` from the config) keeps that file as the run wrote it: the test
writes its logs and config to ``<work_dir>/test`` instead."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmpose_mdn.engine import SaveMetricsHook
from mmpose_mdn.utils import setup_cpu_distributed
from mmpose_mdn.utils.config import keep_run_config, merge_cfg_options, test_evaluators, visualizer_per_run


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a pose model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the directory to save evaluation results')
    parser.add_argument('--out', help='json file for the metrics; predictions go to <out stem>.keypoints.json')
    parser.add_argument('--dump', help='pickle file for all predictions')
    parser.add_argument('--show-dir', help='directory for images with predictions drawn')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value (lists as key="[a,b]" or key=a,b)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args):
    """Merge command-line arguments into the config (``--cfg-options`` first, so the flags apply on top)."""
    cfg = visualizer_per_run(merge_cfg_options(cfg, args.cfg_options))
    cfg.launcher = args.launcher
    cfg.load_from = args.checkpoint
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    keep_run_config(cfg, args.config)
    if args.show_dir is not None:
        cfg.default_hooks.visualization.enable = True
        cfg.default_hooks.visualization.out_dir = args.show_dir
    if args.out is not None:
        if not args.out.endswith('.json'):
            raise ValueError(f'--out must be a .json file, got {args.out}')
        for evaluator in test_evaluators(cfg):
            if evaluator.get('type') == 'CocoMetric':
                evaluator.outfile_prefix = osp.splitext(args.out)[0]
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must be a .pkl file, got {args.dump}')
        kept = [e for e in test_evaluators(cfg) if e.get('type') != 'DumpResults']  # --dump replaces the config's
        cfg.test_evaluator = [*kept, dict(type='DumpResults', out_file_path=args.dump)]
    else:
        for evaluator in test_evaluators(cfg):
            path = evaluator.get('out_file_path') if evaluator.get('type') == 'DumpResults' else None
            if path is not None and osp.exists(path):
                raise FileExistsError(
                    f'{args.config}: test_evaluator DumpResults.out_file_path={path} exists (a config dumped by a '
                    'run dumps its predictions there) and this test would overwrite it: pass --dump FILE.pkl to '
                    'write them elsewhere, or delete the file')
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = merge_args(Config.fromfile(args.config), args)
    setup_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    if args.out:
        runner.register_hook(SaveMetricsHook(args.out), 'LOWEST')
    runner.test()


if __name__ == '__main__':
    main()
