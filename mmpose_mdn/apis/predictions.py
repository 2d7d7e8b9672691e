"""Per-person prediction dicts with the MDN fields, for ``MMPoseInferencer`` and ``demo/image_demo.py``.

mmpose's inferencers turn each image's ``pred_instances`` into a list of per-person dicts with
``mmpose.structures.split_instances``, which copies only ``keypoints``, ``keypoint_scores``, ``bbox`` and
``bbox_score``: an MDN model's component, π and σ were lost from ``MMPoseInferencer``'s default (dict) output and
from the JSON files it writes. mmpose has no hook for extra fields there, so importing ``mmpose_mdn`` (every
config does, through ``custom_imports``) points the inferencers' module at :func:`split_instances` below: mmpose's
dicts unchanged, plus the MDN fields where the instances carry them.
"""
from typing import List

import numpy as np
from mmengine.structures import InstanceData
from mmpose.apis.inferencers import base_mmpose_inferencer
from mmpose.structures import split_instances as mmpose_split_instances

# pred_instances field (N, ...) -> per-person key: the chosen component (int), π (M,), σ (2,) in image pixels
MDN_FIELDS = dict(components='component', mixture_probs='mixture_probs', sigmas='sigma')


def split_instances(instances: InstanceData) -> List[dict]:
    """mmpose's per-person dicts (``keypoints`` (K, 2), ``keypoint_scores`` (K,), ``bbox`` ([x1, y1, x2, y2],)
    and ``bbox_score``, as mmpose writes them) plus ``component``, ``mixture_probs`` and ``sigma`` for MDN
    models."""
    people = mmpose_split_instances(instances)
    for field, key in MDN_FIELDS.items():
        if instances is not None and field in instances:
            for person, value in zip(people, np.asarray(instances.get(field)).tolist()):
                person[key] = value
    return people


base_mmpose_inferencer.split_instances = split_instances
