"""Pixel errors of two models on the people both find: where one model's keypoint-group AP is lower, is its
keypoints' distance to the ground truth larger, and where?

A model's error at annotated keypoint k of person a is ``|p_k - g_k|`` (image pixels) for the prediction p that
COCOeval matches to a at OKS >= 0.5 over all keypoints (:func:`~.keypoint_ap.matched_annotations`), NaN where a is
matched to none or k is not annotated (v = 0). Two models are compared on the people *both* match, so that neither
is credited for the hard people it misses: per keypoint group, the median over those people's annotated keypoints
of the group.
"""
from typing import Dict, Sequence

import numpy as np


def matched_keypoint_errors(keypoints: np.ndarray, predicted: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(A, K) pixel errors of the A annotations' keypoints ``keypoints`` (A, K, 3) (x, y, v), given the D
    predictions' keypoints ``predicted`` (D, K, >= 2) and ``rows`` (D,), the annotation each prediction is matched to
    (:func:`~.keypoint_ap.matched_rows`, -1: none); NaN where unmatched or not annotated."""
    errors = np.full(keypoints.shape[:2], np.nan)
    hit = rows >= 0
    errors[rows[hit]] = np.linalg.norm(predicted[hit, :, :2] - keypoints[rows[hit], :, :2], axis=-1)
    errors[keypoints[..., 2] <= 0] = np.nan
    return errors


def paired_group_errors(ours: np.ndarray, theirs: np.ndarray, groups: Dict[str, Sequence[int]]) -> dict:
    """Two models' (A, K) :func:`matched_keypoint_errors` on the people both match: ``people`` (how many) and per
    group ``{'model': median px, 'other': median px}`` over those people's annotated keypoints of the group (NaN
    where none is annotated)."""
    both = np.isfinite(ours).any(1) & np.isfinite(theirs).any(1)

    def median(errors, ids):
        values = errors[both][:, list(ids)]
        values = values[np.isfinite(values)]
        return float(np.median(values)) if len(values) else float('nan')
    return dict(people=int(both.sum()),
                groups={g: dict(model=median(ours, ids), other=median(theirs, ids)) for g, ids in groups.items()})
