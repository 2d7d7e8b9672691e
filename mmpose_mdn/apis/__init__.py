from .inferencer import MDN_FIELDS, split_instances

__all__ = ['MDN_FIELDS', 'split_instances']
