"""Results of several seeds (or runs) made one: mean ± std, and the share of people per component and viewpoint
with each seed's components put in a common order."""
from typing import Iterable, List, Tuple

import numpy as np

from .body import VIEWPOINTS
from .metric import align_components


def mean_std(values: Iterable, skip_missing: bool = False) -> str:
    """'mean ± sample std' ('mean' of one value); '–' where a value is missing (None or NaN: undefined, e.g. no
    matched person after a short run), or with ``skip_missing`` over the values present ('–' if none)."""
    v = np.array([np.nan if x is None else x for x in values], dtype=np.float64)
    if skip_missing:
        v = v[np.isfinite(v)]
    if not len(v) or np.isnan(v).any():
        return '–'
    return f'{v.mean():.3f}' + (f' ± {v.std(ddof=1):.3f}' if len(v) > 1 else '')


def metric_counts(metrics: dict, M: int) -> np.ndarray:
    """(V, M) matched people per viewpoint and chosen component from ``ViewpointComponentMetric``'s metrics
    (``viewpoint/<view>_c<m>``, raw counts; rows in :data:`VIEWPOINTS` order)."""
    return np.array([[metrics[f'viewpoint/{v}_c{m}'] for m in range(M)] for v in VIEWPOINTS])


def component_shares(metrics: List[dict], M: int) -> Tuple[np.ndarray, np.ndarray]:
    """Over the seeds' metrics: (V, M) the mean share of each viewpoint's matched people per component, each
    seed's components ordered by :func:`align_components` (front's first, then back's), and (V,) the mean number
    of matched people per viewpoint."""
    counts = [metric_counts(m, M) for m in metrics]
    shares = [c[:, align_components(c)] / np.maximum(c.sum(1, keepdims=True), 1) for c in counts]
    return np.mean(shares, axis=0), np.mean([c.sum(1) for c in counts], axis=0)
