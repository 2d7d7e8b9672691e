"""Is a model's uncertainty calibrated? Its predictions against the ground truth it is matched to (COCOeval's match
at OKS >= 0.5): the MDN's sigma (ellipse coverage of the normalised errors, expected against realised OKS), its pi
(the largest pi against how often the chosen component is the one nearest the ground truth), and any model's person
score against the OKS it realises; and the temperatures that calibrate sigma and pi (:mod:`.calibration`'s maths).

What :func:`calibration_analysis` returns (``analysis.json``'s ``calibration``)::

    matched                      predictions matched to an annotated person
    person_score                 reliability of the person score against the best OKS to the image's people
    sigma (MDN)                  coverage[group] at radii 1, 2, 3 (gaussian: a 2-D Gaussian's), rms[group] per axis
                                 of the normalised errors (1 where calibrated), expected_oks: reliability of the
                                 expected against the realised OKS
    pi (MDN)                     reliability of the chosen component's pi against it being the nearest
    temperatures                 the sigma and pi temperatures in force (1: as predicted), and the per-keypoint ones
                                 where measured
"""
from dataclasses import asdict
from typing import Dict, List, Optional, Sequence

import numpy as np

from .calibration import (ellipse_coverage, expected_oks, fit_keypoint_temperatures, fit_pi_temperature,
                          fit_sigma_temperature, gaussian_coverage, nearest_component, normalised_errors, oks_areas,
                          person_oks, reliability, temper_pi)
from .keypoint_ap import matched_rows
from .predictions import Predictions

RADII = (1, 2, 3)


class CalibrationData:
    """The predictions matched to annotated people, with what the calibration needs of both.

    Args:
        preds (Predictions): a run's predictions
        data (dict): the COCO annotation file's content; gt_keypoints (np.ndarray): (A, K, 3) of its annotations
        keypoint_sigmas (np.ndarray): (K,) the dataset's sigmas v_k
        match (np.ndarray): (D,) the annotation id each prediction is matched to, -1 where none
        use_area (bool): the OKS area as the metric's (:func:`oks_areas`)
    """

    def __init__(self, preds: Predictions, data: dict, gt_keypoints: np.ndarray, keypoint_sigmas: np.ndarray,
                 match: np.ndarray, use_area: bool = True):
        idx = matched_rows(match, data['annotations'])
        matched = np.flatnonzero(idx >= 0)
        # matched predictions in the order of their annotations: the sums below do not depend on the order the
        # predictions came in (one process or gathered from several)
        self.rows = matched[np.argsort(idx[matched], kind='stable')]
        gt = gt_keypoints[idx[self.rows]]
        self.gt, self.visible = gt[..., :2], gt[..., 2]
        anns = [data['annotations'][i] for i in idx[self.rows]]
        self.areas = oks_areas(anns, use_area)
        self.box_areas = np.array([a['bbox'][2] * a['bbox'][3] for a in anns], dtype=np.float64)
        self.keypoint_sigmas = np.asarray(keypoint_sigmas, dtype=np.float64)
        self.fields = {k: v[self.rows] for k, v in preds.fields.items()}
        self.realised = person_oks(self.fields['keypoints'], self.gt, self.visible, self.areas, self.keypoint_sigmas)
        self.nearest = (nearest_component(self.fields['component_keypoints'], self.gt, self.visible)
                        if 'component_keypoints' in self.fields else None)
        # (P, K) the per-keypoint temperatures the head applied (test_cfg.keypoint_temperatures): its keypoint std
        # sigma v_k t_k over sigma v_k; None where the predictions carry no per-keypoint std
        self.applied = (np.mean(self.fields['keypoint_sigmas'] / (self.fields['sigmas'][:, None, :]
                                                                 * self.keypoint_sigmas[None, :, None]), -1)
                        if 'keypoint_sigmas' in self.fields and 'sigmas' in self.fields else None)

    @property
    def has_sigma(self) -> bool:
        return 'sigmas' in self.fields

    def keypoint_temperatures(self, keypoint_temperatures=None) -> Optional[np.ndarray]:
        """(P, K) the per-keypoint temperatures in force: those the head applied times ``keypoint_temperatures``
        (K,); None where neither is."""
        if self.applied is None and keypoint_temperatures is None:
            return None
        return (1.0 if self.applied is None else self.applied) * np.asarray(
            1.0 if keypoint_temperatures is None else keypoint_temperatures, dtype=np.float64) * np.ones(
                self.visible.shape)

    def errors(self, sigma_temperature: float = 1.0, keypoint_temperatures=None) -> np.ndarray:
        """(P, K, 2) normalised errors of the matched people with sigma x ``sigma_temperature`` and keypoint k's
        spread sigma v_k t_k (:meth:`keypoint_temperatures`)."""
        t = self.keypoint_temperatures(keypoint_temperatures)
        return normalised_errors(self.fields['keypoints'], self.gt, self.visible,
                                 self.fields['sigmas'] * sigma_temperature,
                                 self.keypoint_sigmas if t is None else self.keypoint_sigmas * t)

    def chosen_pi(self, pi_temperature: float = 1.0) -> np.ndarray:
        """(P,) the chosen component's pi, tempered."""
        pi = temper_pi(np.log(np.clip(self.fields['mixture_probs'], 1e-12, None)), pi_temperature)
        return pi[np.arange(len(pi)), self.fields['components']]

    def fit_temperatures(self) -> Dict[str, float]:
        """The sigma temperature (Gaussian maximum likelihood of the normalised errors), for mixtures of two or
        more components the pi temperature (likelihood of the nearest component under the tempered pi), and
        ``oks_area_ratio``, the median of the people's area over their box's (the head's ``person_score=
        'expected_oks'`` takes A = it x the predicted box's area)."""
        out = dict(sigma_temperature=fit_sigma_temperature(self.errors()))
        boxed = self.box_areas > 0
        if boxed.any():
            out['oks_area_ratio'] = float(np.median(self.areas[boxed] / self.box_areas[boxed]))
        if self.nearest is not None and self.fields['mixture_probs'].shape[1] > 1:
            out['pi_temperature'] = fit_pi_temperature(
                np.log(np.clip(self.fields['mixture_probs'], 1e-12, None)), self.nearest)
        return out

    def fit_keypoint_temperatures(self) -> List[float]:
        """One sigma temperature per keypoint (:func:`~.calibration.fit_keypoint_temperatures`): what one shared
        temperature cannot do where the errors are not proportional to v_k. Measured, not applied at test time."""
        return fit_keypoint_temperatures(self.errors()).tolist()


def best_oks(preds: Predictions, data: dict, gt_keypoints: np.ndarray, keypoint_sigmas: np.ndarray,
             use_area: bool = True) -> np.ndarray:
    """(D,) each prediction's highest OKS against the annotated (non-crowd) people of its image, 0 where none."""
    by_image = {}
    for i, a in enumerate(data['annotations']):
        if not a.get('iscrowd', 0) and (gt_keypoints[i, :, 2] > 0).any():
            by_image.setdefault(a['image_id'], []).append(i)
    out = np.zeros(len(preds))
    kpts = preds.fields['keypoints']
    areas = oks_areas(data['annotations'], use_area)
    for img in np.unique(preds.image_ids):
        rows, anns = np.flatnonzero(preds.image_ids == img), by_image.get(int(img), [])
        if not anns:
            continue
        pairs = np.array([(r, a) for r in rows for a in anns])
        oks = person_oks(kpts[pairs[:, 0]], gt_keypoints[pairs[:, 1], :, :2], gt_keypoints[pairs[:, 1], :, 2],
                         areas[pairs[:, 1]], keypoint_sigmas)
        out[rows] = oks.reshape(len(rows), len(anns)).max(1)
    return out


def _reliability(confidence: np.ndarray, outcome: np.ndarray, bins: int) -> dict:
    """:func:`reliability` as JSON (empty bins' means None)."""
    r = asdict(reliability(confidence, outcome, bins))
    return {k: [None if x != x else x for x in v.tolist()] if isinstance(v, np.ndarray) else v for k, v in r.items()}


def calibration_analysis(cal: CalibrationData, person_scores: np.ndarray, best: np.ndarray,
                         groups: Dict[str, Sequence[int]], temperatures: Optional[Dict[str, float]] = None,
                         bins: int = 15) -> dict:
    """The calibration of ``cal``'s predictions with ``temperatures`` (``sigma_temperature``, ``pi_temperature``;
    default 1; ``keypoint_temperatures`` (K,), optional) applied; ``person_scores`` (D,) and ``best`` (D,)
    (:func:`best_oks`) are every prediction's."""
    t = {'sigma_temperature': 1.0, 'pi_temperature': 1.0, **(temperatures or {})}
    per_keypoint = t.get('keypoint_temperatures')
    out = dict(matched=len(cal.rows), temperatures=t)
    if len(person_scores):
        out['person_score'] = _reliability(person_scores, best, bins)
    if not len(cal.rows):
        return out
    if cal.has_sigma:
        z = cal.errors(t['sigma_temperature'], per_keypoint)
        out['sigma'] = dict(
            radii=list(RADII), gaussian=gaussian_coverage(np.array(RADII)).tolist(),
            coverage={g: ellipse_coverage(z[:, list(ids)], RADII).tolist() for g, ids in groups.items()},
            rms={g: np.sqrt(np.nanmean(z[:, list(ids)] ** 2, axis=(0, 1))).tolist() for g, ids in groups.items()},
            expected_oks=_reliability(expected_oks(cal.fields['sigmas'] * t['sigma_temperature'], cal.areas,
                                                   cal.keypoint_temperatures(per_keypoint), cal.visible),
                                      cal.realised, bins))
    if cal.nearest is not None:
        chosen_is_nearest = (cal.fields['components'] == cal.nearest).astype(np.float64)
        out['pi'] = _reliability(cal.chosen_pi(t['pi_temperature']), chosen_is_nearest, bins)
    return out
