"""Writing a split of scenes as JPEG images and a COCO keypoint annotation file, reproducibly and atomically."""
import json
import os
import os.path as osp
import threading
from typing import Dict

import cv2
import numpy as np
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from .scene import render_scene

SPLIT_STREAMS = dict(train=0, val=1, test=2)


def scene_info(split: str, num_images: int, seed: int, image_size: int, hidden_cue: float = 0.0) -> Dict:
    """The generator settings stored under ``info`` of the annotation file (and compared on reuse);
    ``hidden_cue`` only where > 0, so files of the default settings keep the ``info`` they had before it existed."""
    if not 0 <= hidden_cue <= 1:
        raise ValueError(f'hidden_cue is a probability in [0, 1], got {hidden_cue}')
    info = dict(description='mmpose-mdn synthetic two-viewpoint scenes', split=split, num_images=num_images,
                seed=seed, image_size=image_size, version=5)
    if hidden_cue > 0:
        info['hidden_cue'] = float(hidden_cue)
    return info


def generate_viewpoint_scenes(out_dir: str, split: str = 'train', num_images: int = 800, seed: int = 0,
                              image_size: int = 128, hidden_cue: float = 0.0) -> str:
    """Write ``out_dir/<split>/%06d.jpg`` and ``out_dir/annotations/viewpoint_<split>.json`` (COCO keypoints).

    Image ``i`` of ``split`` is drawn from ``np.random.default_rng([seed, SPLIT_STREAMS[split], i])``, so
    files are identical for the same seed and independent across splits; ``hidden_cue`` is the probability per
    person of a hidden viewpoint cue (see :func:`render_scene`). Every file is written under a name of this
    process and then renamed, so runs generating the same ``out_dir`` at once (two trainings started on a fresh
    data root) never see each other's half-written files. Returns the annotation file path.
    """
    info = scene_info(split, num_images, seed, image_size, hidden_cue)
    img_dir, ann_dir = osp.join(out_dir, split), osp.join(out_dir, 'annotations')
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(ann_dir, exist_ok=True)
    meta = parse_pose_metainfo(CocoDataset.METAINFO)
    names = [meta['keypoint_id2name'][k] for k in range(meta['num_keypoints'])]
    skeleton = [[a + 1, b + 1] for a, b in meta['skeleton_links']]
    images, annotations = [], []
    for i in range(num_images):
        rng = np.random.default_rng([seed, SPLIT_STREAMS[split], i])
        img, anns = render_scene(rng, image_size, hidden_cue=hidden_cue)
        name = f'{i:06d}.jpg'
        jpg = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, 95])[1]
        _write_atomic(osp.join(img_dir, name), jpg.tobytes())
        images.append(dict(id=i + 1, file_name=name, width=image_size, height=image_size))
        for ann in anns:
            annotations.append(dict(id=len(annotations) + 1, image_id=i + 1, **ann))
    coco = dict(info=info, images=images, annotations=annotations,
                categories=[dict(id=1, name='person', supercategory='person', keypoints=names,
                                 skeleton=skeleton)])
    ann_file = osp.join(ann_dir, f'viewpoint_{split}.json')
    _write_atomic(ann_file, json.dumps(coco).encode())
    return ann_file


def _write_atomic(path: str, data: bytes) -> None:
    """Write ``path`` through a temporary file of this process and thread, renamed into place."""
    tmp = f'{path}.{os.getpid()}.{threading.get_ident()}.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)
