"""mmpose's 2D pose inferencer for our configs: people by its ``bbox_thr``, and per-person dicts with the MDN fields.

mmpose's own inferencers (``MMPoseInferencer``, ``Pose2DInferencer``) run our configs as they are, with two
differences that :class:`CenterNetPoseInferencer` removes, as a subclass (nothing of mmpose is replaced):

1. they hand ``bbox_thr`` (0.3 by default) to a one-stage model as ``model.test_cfg.score_thr`` only when the
   config's model type is the string ``'BottomupPoseEstimator'``; ours is its subclass ``CenterNetPoseEstimator``,
   which then returns every candidate down to the evaluation threshold (100 per image);
2. their per-person dicts (``mmpose.structures.split_instances``) hold only ``keypoints``, ``keypoint_scores``,
   ``bbox`` and ``bbox_score``: an MDN model's component, π and σ are not in their dict output nor in the JSON
   files they write. :func:`split_instances` returns mmpose's dicts plus the MDN fields.
"""
import os.path as osp
from typing import List, Optional

import mmengine
import numpy as np
from mmengine.fileio import join_path
from mmengine.structures import InstanceData
from mmpose.apis import Pose2DInferencer
from mmpose.registry import INFERENCERS
from mmpose.structures import split_instances as mmpose_split_instances

from ..visualization.mdn_pose_visualizer import keypoint_sigmas

# pred_instances field (N, ...) -> per-person key: the chosen component (int), π (M,), σ (2,) in image pixels
MDN_FIELDS = dict(components='component', mixture_probs='mixture_probs', sigmas='sigma')


def split_instances(instances: InstanceData, dataset_meta: Optional[dict] = None) -> List[dict]:
    """mmpose's per-person dicts (``keypoints`` (K, 2), ``keypoint_scores`` (K,), ``bbox`` ([x1, y1, x2, y2],)
    and ``bbox_score``, as mmpose writes them) plus ``component``, ``mixture_probs`` and ``sigma`` for MDN
    models, and ``keypoint_sigma`` (K, 2): each keypoint's standard deviation per axis in image pixels, the head's
    σ·v_k·t_k (``test_cfg.keypoint_temperatures`` t_k, default 1) where the instances carry it, else σ·v_k given the
    ``dataset_meta`` (its keypoint ``sigmas`` v_k)."""
    people = mmpose_split_instances(instances)
    for field, key in MDN_FIELDS.items():
        if instances is not None and field in instances:
            for person, value in zip(people, np.asarray(instances.get(field)).tolist()):
                person[key] = value
    if instances is not None and ('keypoint_sigmas' in instances or 'sigmas' in instances and dataset_meta):
        for person, value in zip(people, keypoint_sigmas(instances, dataset_meta).tolist()):
            person['keypoint_sigma'] = value
    return people


@INFERENCERS.register_module()
class CenterNetPoseInferencer(Pose2DInferencer):
    """``Pose2DInferencer`` (what ``MMPoseInferencer(pose2d=...)`` runs) for our configs: the people scoring
    >= ``bbox_thr`` (0.3 by default), each a dict of :func:`split_instances`, in the returned predictions and in
    the JSON files of ``pred_out_dir``.

    Args:
        model (str): config file; weights (str): checkpoint; device, scope, show_progress: as mmpose's
    """

    def preprocess(self, inputs, batch_size: int = 1, bbox_thr: float = 0.3, **kwargs):
        """mmpose's, with ``bbox_thr`` as the model's ``test_cfg.score_thr`` (the head keeps people scoring
        >= it)."""
        self.model.test_cfg = {**self.model.test_cfg, 'score_thr': bbox_thr}
        return super().preprocess(inputs, batch_size, bbox_thr=bbox_thr, **kwargs)

    def postprocess(self, preds, visualization, return_datasample=None, return_datasamples: bool = False,
                    pred_out_dir: str = '') -> dict:
        """mmpose's, with the per-person dicts of :func:`split_instances` (returned, and written to
        ``pred_out_dir/<image name>.json``; a video's at its end, by mmpose)."""
        if return_datasamples or return_datasample:
            return super().postprocess(preds, visualization, return_datasample, return_datasamples, pred_out_dir)
        predictions = [split_instances(pred.pred_instances, self.model.dataset_meta) for pred in preds]
        for people, pred in zip(predictions, preds) if pred_out_dir else ():
            if self._video_input:
                self.video_info['predictions'].append(people)
            else:
                name = osp.splitext(osp.basename(pred.metainfo['img_path']))[0]
                mmengine.dump(people, join_path(pred_out_dir, f'{name}.json'), indent='  ')
        return dict(visualization=visualization, predictions=predictions)
