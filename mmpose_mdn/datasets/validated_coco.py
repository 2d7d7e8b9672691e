"""COCO keypoints whose annotations are checked while they are parsed."""
import math

import numpy as np
from mmpose.datasets import CocoDataset
from mmpose.registry import DATASETS


@DATASETS.register_module()
class ValidatedCocoDataset(CocoDataset):
    """mmpose's ``CocoDataset`` that refuses annotations which would train on NaN or inverted boxes.

    mmpose clips a box to the image and reads keypoints as they are, so a NaN or a negative width reaches the
    targets and the loss silently. Here a ``bbox`` that is not 4 finite numbers with w, h >= 0, or ``keypoints``
    that are not K×3 finite numbers with visibility in {0, 1, 2}, raise ``ValueError`` naming the annotation
    file, the annotation id, the image and the field. Keypoints outside the image are valid: the codec masks
    the ones that fall outside the output map after augmentation.
    """

    def parse_data_info(self, raw_data_info: dict):
        ann, img = raw_data_info['raw_ann_info'], raw_data_info['raw_img_info']
        where = f'{self.ann_file}: annotation id {ann.get("id")} (image {img.get("file_name")})'
        if 'bbox' in ann:
            box = ann['bbox']
            if (len(box) != 4 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in box)
                    or box[2] < 0 or box[3] < 0):
                raise ValueError(f'{where}: field "bbox" must be 4 finite numbers [x, y, w, h] with w, h >= 0, '
                                 f'got {box}')
        if 'keypoints' in ann:
            kpts = np.asarray(ann['keypoints'], dtype=np.float64)
            num_keypoints = self.metainfo['num_keypoints']
            if kpts.shape != (3 * num_keypoints, ) or not np.isfinite(kpts).all() or not np.isin(
                    kpts[2::3], (0, 1, 2)).all():
                raise ValueError(f'{where}: field "keypoints" must be {num_keypoints}×(x, y, v) finite numbers '
                                 f'with v in {{0, 1, 2}}, got {ann["keypoints"]}')
        return super().parse_data_info(raw_data_info)
