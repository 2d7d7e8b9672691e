from .validated_coco import ValidatedCocoDataset
from .viewpoint_dataset import ViewpointSceneDataset
from .viewpoint_scenes import VIEWPOINTS, generate_viewpoint_scenes, render_scene

__all__ = ['ValidatedCocoDataset', 'ViewpointSceneDataset', 'VIEWPOINTS', 'generate_viewpoint_scenes',
           'render_scene']
