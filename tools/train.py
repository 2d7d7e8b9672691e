"""Train a pose model: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] ...``
(mmpose's tools/train.py, runnable on CPU and under torchrun without CUDA)."""
import argparse
import os
import os.path as osp
from contextlib import nullcontext

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmpose_mdn.utils import partial_loading, setup_cpu_distributed
from mmpose_mdn.utils.config import check_run_length, merge_cfg_options, visualizer_per_run


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a pose model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from this checkpoint, or without a path from the latest one in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision: float16 with loss scaling on a GPU, bfloat16 autocast on a CPU')
    parser.add_argument('--no-validate', action='store_true', help='do not evaluate checkpoints during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by the actual total batch size over auto_scale_lr.base_batch_size')
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
    check_run_length(cfg)
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp and torch.cuda.is_available():
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    elif args.amp:  # mmengine's AmpOptimWrapper needs a GPU: bfloat16 autocast on the CPU
        cfg.optim_wrapper.type = 'CPUAmpOptimWrapper'
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = merge_args(Config.fromfile(args.config), args)
    setup_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    fine_tuning = cfg.get('load_from') and not cfg.get('resume')  # load what fits, log the rest
    with partial_loading(runner.model) if fine_tuning else nullcontext():
        runner.train()


if __name__ == '__main__':
    main()
