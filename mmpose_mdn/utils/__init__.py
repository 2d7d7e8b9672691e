from .checkpoint import allow_mmengine_checkpoints, load_local_checkpoint

__all__ = ['allow_mmengine_checkpoints', 'load_local_checkpoint']
