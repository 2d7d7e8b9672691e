"""The component ablations of the paper's Tables 1 and 2, from one forward pass: every person carries every
component's keypoints, so removing, keeping or forcing a component re-selects rows instead of re-running the model.

Per component k (0-based, as ``test_cfg.component``), over people with chosen component c, mixing pi (D, M):

- ``w/o Ck``: the people with c = k removed
- ``keep Ck``: only the people with c = k kept
- ``all with Ck``: every person decoded with component k (its keypoints and keypoint scores)
- ``exclude Ck``: every person re-decided among the other components, argmax of pi renormalised without k (the
  head's ``ignore_components=[k]``)

``full`` is the model's own output. Each returns ``(keep (D,), keypoints (D, K, 2), keypoint_scores (D, K))``.
"""
from typing import Dict, Tuple

import numpy as np

from .predictions import Predictions

Ablation = Tuple[np.ndarray, np.ndarray, np.ndarray]


def component_ablations(preds: Predictions) -> Dict[str, Ablation]:
    """``full`` and, for MDN predictions, the four ablations of every component, in the paper's row order."""
    f = preds.fields
    everyone = np.ones(len(preds), dtype=bool)
    out = {'full': (everyone, f['keypoints'], f['keypoint_scores'])}
    if not preds.is_mdn:
        return out
    comp, pi = f['components'], f['mixture_probs']
    rows = np.arange(len(preds))
    for k in range(preds.num_components):
        out[f'w/o C{k}'] = (comp != k, f['keypoints'], f['keypoint_scores'])
    for k in range(preds.num_components):
        out[f'keep C{k}'] = (comp == k, f['keypoints'], f['keypoint_scores'])
    for k in range(preds.num_components):
        out[f'all with C{k}'] = (everyone, f['component_keypoints'][:, k], f['component_keypoint_scores'][:, k])
    if preds.num_components > 1:
        for k in range(preds.num_components):
            other = np.where(np.arange(preds.num_components) == k, -np.inf, pi).argmax(1)  # (D,)
            out[f'exclude C{k}'] = (everyone, f['component_keypoints'][rows, other],
                                    f['component_keypoint_scores'][rows, other])
    return out
