from .validated_coco import ValidatedCocoDataset

__all__ = ['ValidatedCocoDataset']
