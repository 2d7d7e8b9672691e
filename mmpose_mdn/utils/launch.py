"""Distributed launches without CUDA: the same torchrun / srun scripts run on CPU over gloo."""
import os
import subprocess

import torch
import torch.distributed as dist
from mmengine.config import Config


def _slurm_env(port: str = '29500') -> None:
    """torch.distributed's env:// variables from Slurm's (what mmengine's slurm launcher derives)."""
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    os.environ.setdefault('MASTER_PORT', port)
    if 'MASTER_ADDR' not in os.environ:
        hosts = subprocess.check_output(['scontrol', 'show', 'hostname', os.environ['SLURM_NODELIST']], text=True)
        os.environ['MASTER_ADDR'] = hosts.split()[0]


def setup_cpu_distributed(cfg: Config) -> None:
    """For ``launcher`` 'pytorch' or 'slurm' on a machine without CUDA, join the process group over gloo.

    mmengine's launchers call ``torch.cuda.set_device`` and wrap the model with ``device_ids=[rank]``; both fail
    without a GPU. Initialising the group here makes the Runner skip its own initialisation, and
    ``device_ids=None`` is what DistributedDataParallel takes for CPU modules.
    """
    if cfg.get('launcher', 'none') not in ('pytorch', 'slurm') or torch.cuda.is_available():
        return
    if cfg.launcher == 'slurm':
        _slurm_env()
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
