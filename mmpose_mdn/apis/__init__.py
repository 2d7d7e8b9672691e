from .inferencer import MDN_FIELDS, CenterNetPoseInferencer, split_instances

__all__ = ['MDN_FIELDS', 'CenterNetPoseInferencer', 'split_instances']
