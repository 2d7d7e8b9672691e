"""The ground truth moved by a few pixels, scored as a prediction (the paper's Table 4, top rows): how much AP a
keypoint group loses to a displacement of d pixels on this data, the yardstick for a model's errors.

Every annotated keypoint of every non-crowd person moves by d pixels in its own uniformly random direction (one
seeded generator per seed, the same directions for every group); each moved person with an annotated keypoint in
the group is a prediction of score 1 and keypoint scores 1 (a person without is ignored in that group's AP, and
predicting it would only test how COCOeval shares ignored people among overlapping predictions).
"""
from typing import Sequence

import numpy as np

from .keypoint_ap import KeypointResults


def displaced_ground_truth(data: dict, keypoints: np.ndarray, distance: float, seed: int,
                           keypoint_ids: Sequence[int]) -> KeypointResults:
    """The non-crowd people of ``data`` (its ``keypoints`` (A, K, 3)) with an annotated keypoint among
    ``keypoint_ids``, moved by ``distance`` pixels, as results."""
    angle = np.random.default_rng(seed).uniform(0, 2 * np.pi, keypoints.shape[:2])  # (A, K)
    moved = keypoints[..., :2] + distance * np.stack([np.cos(angle), np.sin(angle)], -1)
    person = np.array([not a.get('iscrowd', 0) for a in data['annotations']], dtype=bool)
    person &= (keypoints[:, list(keypoint_ids), 2] > 0).any(-1)
    image_ids = np.array([a['image_id'] for a in data['annotations']], dtype=np.int64)
    return KeypointResults(image_ids[person], np.concatenate([moved, np.ones(moved.shape[:2] + (1, ))], -1)[person],
                           np.ones(int(person.sum())))
