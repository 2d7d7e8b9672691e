"""The people subsets of the paper's Table 2, as rules on the ground truth's keypoint visibilities.

COCO labels a keypoint v = 2 (visible), v = 1 (annotated but occluded) or v = 0 (not annotated). A subset sets
v = 0 where its rule leaves a keypoint out; a person left without annotated keypoints is then ignored by COCOeval
(:mod:`.keypoint_ap`: its matches are neither true nor false positives).

- ``all``: the annotations as they are
- ``visible_keypoints``: occluded keypoints ignored (v = 1 -> 0)
- ``occluded_keypoints``: visible keypoints ignored (v = 2 -> 0)
- ``visible_face``: people with >= 5 annotated keypoints whose nose is visible; everyone else ignored
- ``occluded_face``: people with >= 5 annotated keypoints whose nose is occluded or not annotated

The face subsets need a ``nose`` keypoint: a dataset without one (CrowdPose, AI Challenger) has the others only
(:func:`dataset_subsets`).
"""
from typing import Dict, Optional, Tuple

import numpy as np

SUBSETS = ('all', 'visible_keypoints', 'occluded_keypoints', 'visible_face', 'occluded_face')
FACE_SUBSETS = ('visible_face', 'occluded_face')
NO_FACE_NOTE = 'face subsets skipped: the dataset has no nose keypoint'


def dataset_subsets(keypoint_name2id: Dict[str, int]) -> Tuple[str, ...]:
    """The subsets a dataset's keypoints allow: all of :data:`SUBSETS` with a ``nose``, else none of the face
    ones."""
    return SUBSETS if 'nose' in keypoint_name2id else tuple(s for s in SUBSETS if s not in FACE_SUBSETS)
SUBSET_TITLES = dict(all='All', visible_keypoints='Visible keypoints', occluded_keypoints='Occluded keypoints',
                     visible_face='Visible face', occluded_face='Occluded face')
MIN_FACE_KEYPOINTS = 5


def face_visible(keypoints: np.ndarray, nose: int) -> np.ndarray:
    """(P,) 1 visible face, 0 occluded face, -1 neither (< 5 annotated keypoints) per person of (P, K, 3)."""
    annotated = (keypoints[..., 2] > 0).sum(-1) >= MIN_FACE_KEYPOINTS
    return np.where(annotated, (keypoints[:, nose, 2] == 2).astype(np.int64), -1)


def subset_visibility(keypoints: np.ndarray, subset: str, nose: Optional[int]) -> np.ndarray:
    """(P, K) visibilities of people (P, K, 3) under a subset's rule (``nose``: its index, None where the dataset
    has none, which the face subsets refuse)."""
    v = keypoints[..., 2]
    if subset == 'all':
        return v
    if subset == 'visible_keypoints':
        return np.where(v == 2, v, 0)
    if subset == 'occluded_keypoints':
        return np.where(v == 1, v, 0)
    if subset in FACE_SUBSETS:
        if nose is None:
            raise ValueError(f'subset {subset!r}: {NO_FACE_NOTE}')
        keep = face_visible(keypoints, nose) == int(subset == 'visible_face')
        return np.where(keep[:, None], v, 0)
    raise ValueError(f'unknown subset {subset!r}; one of {SUBSETS}')
