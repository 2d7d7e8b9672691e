from .checkpoint import load_local_checkpoint, partial_loading, register_weights_only_loader
from .launch import setup_cpu_distributed

__all__ = ['load_local_checkpoint', 'partial_loading', 'register_weights_only_loader', 'setup_cpu_distributed']
