from .checkpoint import allow_mmengine_checkpoints, load_local_checkpoint
from .launch import setup_cpu_distributed

__all__ = ['allow_mmengine_checkpoints', 'load_local_checkpoint', 'setup_cpu_distributed']
