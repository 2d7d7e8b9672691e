"""``MMPoseInferencer`` on our configs: people by its ``bbox_thr``, and per-person dicts with the MDN fields (also
for ``demo/image_demo.py``). Two small shims, installed by importing ``mmpose_mdn`` (every config does, through
``custom_imports``), because mmpose has no hook for either:

1. mmpose's inferencers hand ``bbox_thr`` (0.3 by default) to a one-stage model as ``model.test_cfg.score_thr``
   only when the config's model type is the string ``'BottomupPoseEstimator'``; ours is its subclass
   ``CenterNetPoseEstimator``, which would return every candidate down to the evaluation threshold (100 per image).
   :func:`preprocess` does the same for subclasses.
2. mmpose's inferencers turn each image's ``pred_instances`` into a list of per-person dicts with
   ``mmpose.structures.split_instances``, which copies only ``keypoints``, ``keypoint_scores``, ``bbox`` and
   ``bbox_score``: an MDN model's component, π and σ were lost from ``MMPoseInferencer``'s default (dict) output
   and from the JSON files it writes. :func:`split_instances` returns mmpose's dicts unchanged, plus the MDN
   fields where the instances carry them.
"""
from typing import List

import numpy as np
from mmengine.structures import InstanceData
from mmpose.apis.inferencers import base_mmpose_inferencer
from mmpose.models.pose_estimators import BottomupPoseEstimator
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


mmpose_preprocess = base_mmpose_inferencer.BaseMMPoseInferencer.preprocess


def preprocess(self, inputs, batch_size: int = 1, bboxes=None, bbox_thr: float = 0.3, nms_thr: float = 0.3,
               **kwargs):
    """mmpose's ``BaseMMPoseInferencer.preprocess``, which sets a bottom-up model's ``test_cfg.score_thr`` /
    ``nms_thr`` to ``bbox_thr`` / ``nms_thr`` (where the config has them), for subclasses of
    ``BottomupPoseEstimator`` as well."""
    if isinstance(self.model, BottomupPoseEstimator) and self.cfg.model.type != 'BottomupPoseEstimator':
        test_cfg = self.model.head.test_cfg.copy()
        test_cfg.update({key: value for key, value in (('score_thr', bbox_thr), ('nms_thr', nms_thr))
                         if key in test_cfg})
        self.model.test_cfg = test_cfg
    return mmpose_preprocess(self, inputs, batch_size=batch_size, bboxes=bboxes, bbox_thr=bbox_thr,
                             nms_thr=nms_thr, **kwargs)


base_mmpose_inferencer.split_instances = split_instances
base_mmpose_inferencer.BaseMMPoseInferencer.preprocess = preprocess
