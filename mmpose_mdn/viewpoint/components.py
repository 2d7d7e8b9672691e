"""What the components of a trained MDN head do at the ground-truth centres of the annotated front/back people.

Per person, at its centre pixel and against the keypoint offsets that training targets there (both from the
codec's ``encode``): π (M,), each component's keypoint error (M,), the components' spread and the person's mirror
distance, all in output pixels. Over a split: whether π depends on the viewpoint, whether the best ("oracle")
component is the viewpoint's (the components *are* the viewpoints) and whether the chosen one is (π picks them).
"""
from typing import List, Sequence, Tuple

import numpy as np
import torch
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from ..evaluation import assignment_agreement, component_counts
from .centres import front_back_people

FLIP = parse_pose_metainfo(CocoDataset.METAINFO)['flip_indices']


def component_errors(means: np.ndarray, offsets: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """(M,) mean distance over the visible keypoints between each component's means (M, K, 2) and the target
    offsets (K, 2); ``visible`` (K,) bool."""
    return np.array([np.linalg.norm(m[visible] - offsets[visible], axis=1).mean() for m in means])


def component_spread(means: np.ndarray) -> float:
    """Mean keypoint distance between two components' means (M, K, 2), over the M(M-1)/2 pairs: copies (0) or
    different poses?"""
    M = len(means)
    return np.mean([np.linalg.norm(means[i] - means[j], axis=1).mean() for i in range(M) for j in range(i + 1, M)])


def mirror_distance(offsets: np.ndarray, visible: np.ndarray, flip: Sequence[int] = FLIP) -> float:
    """Mean distance between a person's keypoints (K, 2) and their left/right mirror ``offsets[flip]``, over the
    keypoints visible with their mirror partner (NaN if none): the error of a prediction in the other
    viewpoint's labelling."""
    pairs = visible & visible[flip]
    return np.linalg.norm(offsets[pairs] - offsets[flip][pairs], axis=1).mean() if pairs.any() else np.nan


def centre_components(model, data_root: str, split: str) -> List[dict]:
    """Per front/back person of a viewpoint-scene split with a regression target: ``view``, ``pi`` (M,),
    ``error`` (M,) (:func:`component_errors`), ``spread`` and ``mirror``, at its ground-truth centre pixel."""
    head = model.head
    if not head.is_mdn or head.num_components < 2:
        raise ValueError('the components at the centres need an MDN head with >= 2 components')
    rows = []
    for inputs, people in front_back_people(model, data_root, split):
        with torch.no_grad():
            raw = head.forward_last(model.extract_feat(inputs))['keypoint_offset'][0].flatten(1)  # (C, H*W)
        for a, target in people:
            means, _, log_pi = head.mixture_parameters(raw[:, target['centre_indices'][0]][None])
            means = means[0].numpy()
            offsets, visible = target['keypoint_offsets'][0], target['keypoint_weights'][0] > 0
            rows.append(dict(view=a['viewpoint'], pi=log_pi[0].exp().numpy(),
                             error=component_errors(means, offsets, visible), spread=component_spread(means),
                             mirror=mirror_distance(offsets, visible)))
    return rows


def component_agreement(views: np.ndarray, comps: np.ndarray, M: int) -> float:
    """:func:`~mmpose_mdn.evaluation.assignment_agreement` of the (front/back, component) counts of people with
    viewpoints ``views`` (P,) ('front' or 'back') and components ``comps`` (P,)."""
    return assignment_agreement(component_counts((views == 'back').astype(int), comps, 2, M))


def summarise_components(rows: List[dict]) -> dict:
    """The split's summary of :func:`centre_components`' rows: median largest π, mean π (M,) of front and of back
    people, mean spread and mirror distance, mean error of the chosen (largest-π) and of the oracle (smallest
    error) component, how often they differ, and each one's :func:`component_agreement` with the viewpoint."""
    if not rows:
        raise ValueError('no front or back person with keypoints in the split')
    pi = np.array([r['pi'] for r in rows])
    error = np.array([r['error'] for r in rows])
    chosen = error[np.arange(len(rows)), pi.argmax(1)]
    views = np.array([r['view'] for r in rows])
    return {
        'people': len(rows),
        'median_largest_pi': float(np.median(pi.max(1))),
        'mean_pi_front': pi[views == 'front'].mean(0).round(3).tolist(),
        'mean_pi_back': pi[views == 'back'].mean(0).round(3).tolist(),
        'component_spread_px': float(np.mean([r['spread'] for r in rows])),
        'mirror_distance_px': float(np.nanmean([r['mirror'] for r in rows])),
        'chosen_error_px': float(chosen.mean()),
        'oracle_error_px': float(error.min(1).mean()),
        'oracle_differs': float((error.argmin(1) != pi.argmax(1)).mean()),
        'oracle_agreement': component_agreement(views, error.argmin(1), pi.shape[1]),
        'chosen_agreement': component_agreement(views, pi.argmax(1), pi.shape[1]),
    }


def front_pi(summary: dict) -> Tuple[float, float]:
    """Mean π of the 'front' component f (the one whose π is most above for front than for back people) over
    front and over back people, from :func:`summarise_components`' summary: runs order their components
    arbitrarily, this is comparable across them."""
    front, back = np.array(summary['mean_pi_front']), np.array(summary['mean_pi_back'])
    f = int(np.argmax(front - back))
    return front[f], back[f]
