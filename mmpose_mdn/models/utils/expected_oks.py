"""The OKS a person's keypoints can expect from the MDN's predicted spread: the closed-form mean of COCO's OKS under
a Gaussian keypoint error (the head's ``person_score='expected_oks'``; calibrated in
:mod:`mmpose_mdn.evaluation.calibration`)."""
import numpy as np
from numpy.typing import ArrayLike

AREA_EPS = np.spacing(1)  # COCOeval adds it to the area in the OKS


def expected_oks(sigmas: ArrayLike, areas: ArrayLike, keypoint_temperatures: ArrayLike = None,
                 visible: ArrayLike = None) -> np.ndarray:
    """(N,) E[OKS] of a person whose keypoint errors are Gaussian, dx ~ N(0, (sigma_x v_k)^2), dy ~ N(0, (sigma_y
    v_k)^2):

        OKS_k = exp(-(dx^2 + dy^2) / (8 A v_k^2)) and E[exp(-a x^2)] = (1 + 2 a s^2)^(-1/2) for x ~ N(0, s^2), so
        E[OKS_k] = [(1 + sigma_x^2 / (4A)) (1 + sigma_y^2 / (4A))]^(-1/2),

    the same for every keypoint k and hence for the mean over any labelled ones. With per-keypoint temperatures t_k
    (keypoint k's spread sigma v_k t_k) E[OKS_k] has sigma t_k in place of sigma, and the person's is the mean over
    its labelled keypoints (``visible`` > 0; NaN where none).

    Args:
        sigmas: (N, 2) predicted scale (sigma_x, sigma_y), image pixels
        areas: (N,) ground-truth areas A, square pixels (COCOeval adds :data:`AREA_EPS`)
        keypoint_temperatures: (K,) or (N, K) t_k, optional; with it ``visible`` (N, K)
    """
    areas = np.asarray(areas, dtype=np.float64)[:, None] + AREA_EPS
    if keypoint_temperatures is None:
        ratio = np.square(np.asarray(sigmas, dtype=np.float64)) / (4 * areas)
        return np.prod(1 + ratio, axis=-1) ** -0.5
    visible = np.asarray(visible)
    t = np.broadcast_to(np.asarray(keypoint_temperatures, dtype=np.float64), visible.shape)
    scale = np.asarray(sigmas, dtype=np.float64)[:, None, :] * t[..., None]
    per_keypoint = np.prod(1 + np.square(scale) / (4 * areas[..., None]), axis=-1) ** -0.5  # (N, K)
    labelled = visible > 0
    count = labelled.sum(-1)
    return np.where(count > 0, np.where(labelled, per_keypoint, 0).sum(-1) / np.maximum(count, 1), np.nan)
