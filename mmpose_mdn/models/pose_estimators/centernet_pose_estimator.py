"""mmpose's bottom-up estimator that maps every prediction field of :class:`CenterNetMDNHead` to image pixels."""
from itertools import zip_longest
from typing import Optional

import numpy as np
from mmpose.models.pose_estimators import BottomupPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.typing import InstanceList, PixelDataList, SampleList

from ...utils.checkpoint import register_weights_only_loader, require_matching_weights

# (N, ..., 2) points and (N, ..., 2) scales in model-input pixels
POINT_FIELDS = ('keypoints', 'component_keypoints')
SCALE_FIELDS = ('sigmas', 'component_sigmas', 'keypoint_sigmas')


@MODELS.register_module()
class CenterNetPoseEstimator(BottomupPoseEstimator):
    """``BottomupPoseEstimator`` whose predictions are all in image pixels, in one place.

    With the input's affine (``input_size`` s_in, ``input_center`` c, ``input_scale`` S, per axis), a point p in
    model-input pixels maps to ``p * S / s_in + c - S / 2`` and a scale (sigma) to ``sigma * S / s_in``:

    - points: ``keypoints`` (N, K, 2), ``component_keypoints`` (N, M, K, 2), ``bboxes`` (N, 4) xyxy
    - scales: ``sigmas`` (N, 2), ``component_sigmas`` (N, M, 2), ``keypoint_sigmas`` (N, K, 2)

    mmpose's estimator maps only keypoints and boxes. Other fields (scores, ``components``, ``mixture_probs``)
    are unchanged; ``keypoints_visible`` is the keypoint scores, as in mmpose.

    Checkpoints: building the estimator makes mmengine read local checkpoint files under torch's
    ``weights_only=True`` (:func:`~mmpose_mdn.utils.checkpoint.register_weights_only_loader`), and a checkpoint
    must fit the whole model (:func:`require_matching_weights`): another model's checkpoint fails naming the file
    and keys, except while ``load_partially`` is True (fine-tuning, ``tools/train.py --cfg-options
    load_from=FILE``, through :func:`~mmpose_mdn.utils.checkpoint.partial_loading`).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        register_weights_only_loader()
        self.load_partially = False
        self.register_load_state_dict_pre_hook(require_matching_weights)

    def add_pred_to_datasample(self, batch_pred_instances: InstanceList,
                               batch_pred_fields: Optional[PixelDataList],
                               batch_data_samples: SampleList) -> SampleList:
        if len(batch_pred_instances) != len(batch_data_samples):
            raise ValueError(f'{len(batch_pred_instances)} predictions for {len(batch_data_samples)} samples')
        for pred, fields, sample in zip_longest(batch_pred_instances, batch_pred_fields or [], batch_data_samples):
            scale = np.asarray(sample.metainfo['input_scale'], np.float32) / np.asarray(
                sample.metainfo['input_size'], np.float32)
            shift = np.asarray(sample.metainfo['input_center'], np.float32) - 0.5 * np.asarray(
                sample.metainfo['input_scale'], np.float32)
            for key in POINT_FIELDS:
                if key in pred:
                    pred.set_field(pred.get(key) * scale + shift, key)
            for key in SCALE_FIELDS:
                if key in pred:
                    pred.set_field(pred.get(key) * scale, key)
            if 'bboxes' in pred:
                pred.bboxes = (pred.bboxes.reshape(-1, 2, 2) * scale + shift).reshape(-1, 4)
            if 'keypoints_visible' not in pred:
                pred.keypoints_visible = pred.keypoint_scores
            sample.pred_instances = pred
            if fields is not None:
                sample.pred_fields = fields
        return batch_data_samples
