"""Component statistics of the paper's Table 3: which component makes the predictions, and whether components
line up with a property of the people (face visible or not; the synthetic data's viewpoint)."""
from typing import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment


def component_counts(labels: np.ndarray, components: np.ndarray, num_labels: int, M: int) -> np.ndarray:
    """(L, M) people per label (0..L-1) and component (0..M-1)."""
    counts = np.zeros((num_labels, M), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels, dtype=np.int64), np.asarray(components, dtype=np.int64)), 1)
    return counts


def assignment_agreement(counts: np.ndarray) -> float:
    """Share of people whose component is the one assigned to their label under the best one-to-one assignment of
    components to labels (Hungarian on the (L, M) counts; with M < L some labels get none); NaN without people."""
    if counts.sum() == 0:
        return float('nan')
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, cols].sum() / counts.sum())


def component_shares(components: np.ndarray, scores: np.ndarray, M: int,
                     score_thrs: Sequence[float] = (0.5, 0.7)) -> dict:
    """Per score threshold t, the share (M,) of the predictions with score >= t made by each component, and their
    number: ``{t: dict(share=[...], n=int)}``."""
    out = {}
    for t in score_thrs:
        n = np.bincount(components[scores >= t], minlength=M)
        out[str(t)] = dict(share=(n / max(n.sum(), 1)).tolist(), n=int(n.sum()))
    return out
