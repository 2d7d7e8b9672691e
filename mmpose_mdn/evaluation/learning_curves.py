"""Learning curves over seeds (AP against iteration) and how one model's curve compares with a reference's."""
from typing import Dict, List, Mapping, Tuple

import numpy as np

Curve = Mapping[int, float]  # iteration -> AP


def curve_stats(curves: Mapping[int, Curve]) -> Tuple[List[int], np.ndarray, np.ndarray]:
    """Mean and std (population, ddof 0) over seeds at the iterations every seed's curve has.

    Args:
        curves: seed -> {iteration: AP}

    Returns:
        iterations (sorted), mean (T,), std (T,)
    """
    if not curves:
        raise ValueError('curve_stats needs at least one curve')
    iters = sorted(set.intersection(*(set(c) for c in curves.values())))
    values = np.array([[c[i] for i in iters] for c in curves.values()], dtype=np.float64)  # (S, T)
    return iters, values.mean(0), values.std(0)


def ratio_to_reference(curves: Mapping[int, Curve], reference: Mapping[int, Curve],
                       from_iter: int = 0) -> Dict[int, float]:
    """The ratio of the seed-mean AP to the reference's seed-mean AP at each iteration >= ``from_iter`` that both
    have, over the seeds both have (inf where the reference's mean is 0 and the model's is not; 1 where both are 0).
    """
    seeds = sorted(set(curves) & set(reference))
    if not seeds:
        raise ValueError(f'no common seed: {sorted(curves)} vs reference {sorted(reference)}')
    iters, mean, _ = curve_stats({s: curves[s] for s in seeds})
    ref_iters, ref_mean, _ = curve_stats({s: reference[s] for s in seeds})
    ref = dict(zip(ref_iters, ref_mean))
    out = {}
    for it, m in zip(iters, mean):
        if it >= from_iter and it in ref:
            out[it] = 1.0 if m == ref[it] == 0 else (float('inf') if ref[it] == 0 else float(m / ref[it]))
    return out


def meets_ratio(ratios: Mapping[int, float], threshold: float) -> bool:
    """Whether every ratio (there must be one) is at least ``threshold``."""
    return bool(ratios) and min(ratios.values()) >= threshold


def plateau_rise(curve: Curve, fraction: float = 0.25) -> float:
    """How much AP rose over the last ``fraction`` of the run: the least-squares slope of AP against iteration over
    the scores at iterations >= (1 - ``fraction``) x the last (at least the last two), times the span they cover.
    A straight fit, so that one noisy score neither hides nor fakes a rise."""
    if len(curve) < 2:
        raise ValueError(f'plateau_rise needs at least two scores, got {len(curve)}')
    tail = last_fraction(curve, fraction)
    slope = np.polyfit(tail, [curve[int(i)] for i in tail], 1)[0]
    return float(slope * (tail[-1] - tail[0]))


def last_fraction(curve: Curve, fraction: float = 0.25) -> np.ndarray:
    """The iterations of the scores at iterations >= (1 - ``fraction``) x the last, at least the last two (all of
    them if fewer): the window :func:`plateau_rise` fits and :func:`tail_mean` averages."""
    iters = np.array(sorted(curve), dtype=np.float64)
    tail = iters[iters >= (1 - fraction) * iters[-1]]
    return tail if len(tail) >= 2 else iters[-2:]


def tail_mean(curve: Curve, fraction: float = 0.25) -> float:
    """The mean AP over the last ``fraction`` of the run (:func:`last_fraction`): a run's plateau level, less noisy
    than its last score."""
    return float(np.mean([curve[int(i)] for i in last_fraction(curve, fraction)]))


def plateaued(curve: Curve, tol: float = 0.01, min_scores: int = 8, fraction: float = 0.25) -> bool:
    """Whether a run has stopped learning: at least ``min_scores`` scores and a :func:`plateau_rise` below ``tol``."""
    return len(curve) >= min_scores and plateau_rise(curve, fraction) < tol
