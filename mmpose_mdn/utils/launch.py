"""torchrun launches without CUDA: the same launch scripts run on CPU over gloo."""
import torch
import torch.distributed as dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> None:
    """For ``launcher='pytorch'`` on a machine without CUDA, join the torchrun process group over gloo.

    mmengine's pytorch launcher calls ``torch.cuda.set_device`` and wraps the model with ``device_ids=[rank]``;
    both fail without a GPU. Initialising the group here makes the Runner skip its own initialisation, and
    ``device_ids=None`` is what DistributedDataParallel takes for CPU modules.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
