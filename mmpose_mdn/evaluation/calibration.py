"""Calibration of an MDN pose head's uncertainty: its keypoint spread sigma and its mixing weights pi.

Keypoint k of a person is predicted at mu_k (image pixels) with a standard deviation sigma_a * v_k per axis a, sigma =
(sigma_x, sigma_y) the person's predicted scale (image pixels), v_k the dataset's keypoint sigma (COCO's ``sigmas``).
The checks here, all on arrays of matched predictions and ground truth:

- the normalised errors z = (gt - mu) / (sigma v_k) of a calibrated head are standard 2-D Gaussian, so a share
  1 - exp(-r^2 / 2) of them falls within radius r (:func:`ellipse_coverage` against :func:`gaussian_coverage`);
- the OKS COCO would give a Gaussian error has the closed-form mean :func:`expected_oks`, a confidence to compare
  with the realised :func:`person_oks` (:func:`reliability`);
- one temperature rescales sigma (:func:`fit_sigma_temperature`), another the mixing weights
  (:func:`fit_pi_temperature` against the :func:`nearest_component`), both by maximum likelihood; one temperature
  per keypoint (:func:`fit_keypoint_temperatures`) is what the shared sigma lacks where the model's errors are not
  proportional to the dataset's v_k.
"""
from dataclasses import dataclass
from typing import Sequence, Tuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax

from ..models.utils.expected_oks import AREA_EPS, expected_oks

BOX_AREA_RATIO = 0.53  # xtcocotools' area of a person without ``area`` (or with use_area=False): 0.53 of its box


def oks_areas(annotations: Sequence[dict], use_area: bool = True) -> np.ndarray:
    """(A,) the area xtcocotools' COCOeval divides by in each annotation's OKS: its ``area`` with ``use_area``
    where it has one, else :data:`BOX_AREA_RATIO` times its box's (CrowdPose and AI Challenger have no areas)."""
    return np.array([a['area'] if use_area and 'area' in a else a['bbox'][2] * a['bbox'][3] * BOX_AREA_RATIO
                     for a in annotations], dtype=np.float64)
PI_TEMPERATURE_BOUNDS = (0.05, 20.0)  # the range :func:`fit_pi_temperature` searches


def normalised_errors(keypoints: ArrayLike, gt_keypoints: ArrayLike, visible: ArrayLike, sigmas: ArrayLike,
                      keypoint_sigmas: ArrayLike) -> np.ndarray:
    """z (N, K, 2) = (gt - mu) / (sigma v_k) per axis; NaN where the ground-truth keypoint is not labelled.

    Args:
        keypoints: (N, K, 2) predicted mu, image pixels
        gt_keypoints: (N, K, 2) ground truth, image pixels
        visible: (N, K) ground-truth visibility, labelled where > 0 (as COCOeval counts it)
        sigmas: (N, 2) predicted scale (sigma_x, sigma_y), image pixels
        keypoint_sigmas: (K,) the dataset's keypoint sigmas v_k, or (N, K) per person (v_k times per-keypoint
            temperatures)
    """
    scale = np.asarray(sigmas, dtype=np.float64)[:, None, :] * np.asarray(keypoint_sigmas, dtype=np.float64)[..., None]
    z = (np.asarray(gt_keypoints, dtype=np.float64) - np.asarray(keypoints, dtype=np.float64)) / scale
    z[np.asarray(visible) <= 0] = np.nan
    return z


def gaussian_coverage(radii: ArrayLike) -> np.ndarray:
    """The share of a standard 2-D Gaussian within radius r, P(chi^2_2 <= r^2) = 1 - exp(-r^2 / 2), for each r:
    39.35 %, 86.47 %, 98.89 % at 1, 2, 3."""
    return 1 - np.exp(-np.square(np.asarray(radii, dtype=np.float64)) / 2)


def ellipse_coverage(z: ArrayLike, radii: ArrayLike = (1, 2, 3)) -> np.ndarray:
    """(R,) the share of the keypoints with z_x^2 + z_y^2 <= r^2 for each radius r, over the keypoints of z (..., 2)
    that are not NaN (NaN for every r if there are none). In sigma's units r is the Mahalanobis radius, so the
    shares of a calibrated head are :func:`gaussian_coverage`'s."""
    r2 = np.square(np.asarray(z, dtype=np.float64)).sum(-1).reshape(-1)
    r2 = r2[~np.isnan(r2)]
    radii = np.asarray(radii, dtype=np.float64)
    if not len(r2):
        return np.full(radii.shape, np.nan)
    return (r2[:, None] <= np.square(radii)[None]).mean(0)


def person_oks(keypoints: ArrayLike, gt_keypoints: ArrayLike, visible: ArrayLike, areas: ArrayLike,
               keypoint_sigmas: ArrayLike) -> np.ndarray:
    """(N,) COCO's OKS of each prediction against its ground truth, as COCOeval (``use_area``) computes it for the
    pair: the mean over the labelled keypoints (visibility > 0) of exp(-d_k^2 / (2 (A + eps) (2 v_k)^2)); NaN for a
    person with no labelled keypoint (whom COCOeval ignores).

    Args:
        keypoints: (N, K, 2) predictions, image pixels
        gt_keypoints: (N, K, 2) ground truth, image pixels
        visible: (N, K) ground-truth visibility
        areas: (N,) ground-truth areas A, square pixels
        keypoint_sigmas: (K,) the dataset's keypoint sigmas v_k
    """
    d2 = np.square(np.asarray(keypoints, dtype=np.float64) - np.asarray(gt_keypoints, dtype=np.float64)).sum(-1)
    variances = (2 * np.asarray(keypoint_sigmas, dtype=np.float64)) ** 2
    e = d2 / variances / (np.asarray(areas, dtype=np.float64)[:, None] + AREA_EPS) / 2  # COCOeval's order
    labelled = np.asarray(visible) > 0
    count = labelled.sum(-1)
    oks = np.where(labelled, np.exp(-e), 0).sum(-1) / np.maximum(count, 1)
    return np.where(count > 0, oks, np.nan)


@dataclass
class Reliability:
    """A reliability diagram over equal-width bins of confidence: ``edges`` (B + 1,) from 0 to 1; per bin (B,) the
    ``count``, the ``confidence`` and ``outcome`` means (NaN in empty bins); ``ece`` the expected calibration
    error sum_b n_b / N |confidence_b - outcome_b| over the non-empty bins."""
    edges: np.ndarray
    count: np.ndarray
    confidence: np.ndarray
    outcome: np.ndarray
    ece: float


def reliability(confidence: ArrayLike, outcome: ArrayLike, bins: int = 15) -> Reliability:
    """The reliability diagram of (N,) confidences in [0, 1] against (N,) outcomes, binary (correct or not) or
    continuous in [0, 1] (e.g. the realised OKS against :func:`expected_oks`). Bin b holds b/B <= c < (b + 1)/B,
    the last one also c = 1."""
    confidence = np.asarray(confidence, dtype=np.float64).reshape(-1)
    outcome = np.asarray(outcome, dtype=np.float64).reshape(-1)
    if confidence.shape != outcome.shape or not len(confidence):
        raise ValueError(f'reliability needs as many confidences as outcomes, at least one: got {len(confidence)} '
                         f'and {len(outcome)}')
    if not (np.all((confidence >= 0) & (confidence <= 1)) and np.all(np.isfinite(outcome))):
        raise ValueError('confidences must lie in [0, 1] and outcomes be finite (drop people without labelled '
                         'keypoints, whose OKS is NaN)')
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.searchsorted(edges, confidence, side='right') - 1, 0, bins - 1)
    count = np.bincount(idx, minlength=bins)
    filled = count > 0
    mean_conf = np.full(bins, np.nan)
    mean_out = np.full(bins, np.nan)
    mean_conf[filled] = np.bincount(idx, weights=confidence, minlength=bins)[filled] / count[filled]
    mean_out[filled] = np.bincount(idx, weights=outcome, minlength=bins)[filled] / count[filled]
    ece = float(np.sum(count[filled] / len(confidence) * np.abs(mean_conf[filled] - mean_out[filled])))
    return Reliability(edges, count, mean_conf, mean_out, ece)


def expected_calibration_error(confidence: ArrayLike, outcome: ArrayLike, bins: int = 15) -> float:
    """:func:`reliability`'s ECE."""
    return reliability(confidence, outcome, bins).ece


def fit_sigma_temperature(z: ArrayLike) -> float:
    """The T > 0 maximising the standard Gaussian likelihood of z / T over the non-NaN entries of z (any shape,
    each axis an entry): T^2 = mean z^2. The calibrated errors are z / T, i.e. the calibrated scale is sigma * T
    (T > 1: the head is overconfident)."""
    z = np.asarray(z, dtype=np.float64)
    z = z[~np.isnan(z)]
    if not len(z):
        raise ValueError('fit_sigma_temperature needs at least one labelled keypoint')
    return float(np.sqrt(np.mean(np.square(z))))


def fit_keypoint_temperatures(z: ArrayLike) -> np.ndarray:
    """(K,) one :func:`fit_sigma_temperature` per keypoint of z (N, K, 2): t_k^2 = the mean z^2 over keypoint k's
    labelled entries (both axes); 1 for a keypoint labelled nowhere. The calibrated spread of keypoint k is
    sigma v_k t_k: the dataset's v_k replaced by the model's own per-keypoint scale."""
    z = np.asarray(z, dtype=np.float64)
    labelled = ~np.isnan(z)
    if not labelled.any():
        raise ValueError('fit_keypoint_temperatures needs at least one labelled keypoint')
    count = labelled.sum((0, 2))
    squares = np.where(labelled, np.square(z), 0).sum((0, 2))
    return np.where(count > 0, np.sqrt(squares / np.maximum(count, 1)), 1.0)


def temper_pi(log_pi: ArrayLike, temperature: float) -> np.ndarray:
    """(N, M) mixing weights softmax(log pi / T) of (N, M) log mixing weights (normalised or not: a row's constant
    cancels, so this is also softmax(logits / T))."""
    return softmax(np.asarray(log_pi, dtype=np.float64) / temperature, axis=-1)


def fit_pi_temperature(log_pi: ArrayLike, target: ArrayLike,
                       bounds: Tuple[float, float] = PI_TEMPERATURE_BOUNDS) -> float:
    """The T in ``bounds`` minimising the mean negative log-likelihood -log softmax(log pi_n / T)[target_n] of
    (N,) component labels (e.g. :func:`nearest_component`) under (N, M) log mixing weights; a bounded 1-D search
    over log T. T > 1 flattens over-confident weights (:func:`temper_pi`)."""
    log_pi = np.asarray(log_pi, dtype=np.float64)
    target = np.asarray(target, dtype=np.int64)
    rows = np.arange(len(target))

    def nll(log_t: float) -> float:
        return float(-log_softmax(log_pi / np.exp(log_t), axis=-1)[rows, target].mean())

    res = minimize_scalar(nll, bounds=np.log(bounds), method='bounded', options=dict(xatol=1e-6))
    return float(np.exp(res.x))


def nearest_component(component_keypoints: ArrayLike, gt_keypoints: ArrayLike, visible: ArrayLike) -> np.ndarray:
    """(N,) the index of the component nearest the ground truth: argmin over m of sum_k |mu_mk - gt_k|^2 over the
    labelled keypoints (visibility > 0; component 0 for a person with none).

    Args:
        component_keypoints: (N, M, K, 2) each component's keypoints, image pixels
        gt_keypoints: (N, K, 2) ground truth, image pixels
        visible: (N, K) ground-truth visibility
    """
    diff = np.asarray(component_keypoints, dtype=np.float64) - np.asarray(gt_keypoints, dtype=np.float64)[:, None]
    d2 = np.where(np.asarray(visible)[:, None] > 0, np.square(diff).sum(-1), 0)  # (N, M, K)
    return d2.sum(-1).argmin(-1)
