"""The synthetic two-viewpoint scenes as a registered COCO-style dataset, generated on first use."""
import json
import os.path as osp

from mmengine.dist import barrier, get_rank
from mmpose.datasets import CocoDataset
from mmpose.registry import DATASETS

from .writer import generate_viewpoint_scenes, scene_info


def _is_current(ann_file: str, info: dict) -> bool:
    """Whether ``ann_file`` exists and was written with the generator settings ``info``."""
    if not osp.isfile(ann_file):
        return False
    with open(ann_file) as f:
        return json.load(f).get('info') == info


@DATASETS.register_module()
class ViewpointSceneDataset(CocoDataset):
    """COCO keypoints of synthetic people seen from the front, back or side
    (:mod:`mmpose_mdn.viewpoint`), needing no download: ``data_root/annotations/viewpoint_<split>.json`` and
    ``data_root/<split>/*.jpg`` are written on first use (by rank 0) and rewritten when they were made with other
    settings. Each person's raw annotation carries ``viewpoint`` and ``yaw`` (and ``cue_visible`` where
    ``hidden_cue`` > 0).

    Args:
        split (str): 'train', 'val' or 'test', each its own random stream. Defaults to 'train'
        num_images (int): images in the split. Defaults to 800
        seed (int): generator seed; the same seed gives identical files. Defaults to 0
        image_size (int): square image side in pixels. Defaults to 128
        hidden_cue (float): probability per person that the viewpoint cue (face, shoe direction) is hidden, so that
            its back view looks like the front view of its mirror image. Defaults to 0.0
        data_root (str): where the files go
        **kwargs: :class:`CocoDataset`'s arguments; ``ann_file`` and ``data_prefix`` follow from ``split``
    """

    def __init__(self, split: str = 'train', num_images: int = 800, seed: int = 0, image_size: int = 128,
                 hidden_cue: float = 0.0, data_root: str = '', **kwargs):
        ann_file = f'annotations/viewpoint_{split}.json'
        if get_rank() == 0 and not _is_current(
                osp.join(data_root, ann_file), scene_info(split, num_images, seed, image_size, hidden_cue)):
            generate_viewpoint_scenes(data_root, split, num_images, seed, image_size, hidden_cue)
        barrier()
        super().__init__(ann_file=ann_file, data_root=data_root, data_prefix=dict(img=f'{split}/'), **kwargs)
