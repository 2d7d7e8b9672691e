"""Agreement of MDN mixture components with the annotated viewpoint of people."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmdet.structures.bbox import bbox_overlaps
from mmengine.evaluator import BaseMetric
from mmpose.registry import METRICS
from scipy.optimize import linear_sum_assignment

from ..evaluation import assignment_agreement, component_counts
from .body import VIEWPOINTS

LR_PAIRS = ((5, 6), (11, 12))  # COCO (left, right) shoulders and hips


def match_greedy(pred_boxes: np.ndarray, pred_scores: np.ndarray, gt_boxes: np.ndarray,
                 iou_thr: float = 0.5) -> np.ndarray:
    """COCO-style greedy matching: predictions by descending score take the unmatched ground truth of highest
    IoU >= ``iou_thr``. Returns (G,) the matched prediction index per ground truth, -1 if none."""
    match = np.full(len(gt_boxes), -1, dtype=np.int64)
    if len(pred_boxes) == 0 or len(gt_boxes) == 0:
        return match
    iou = bbox_overlaps(torch.as_tensor(pred_boxes, dtype=torch.float64),
                        torch.as_tensor(gt_boxes, dtype=torch.float64)).numpy()  # (N, G)
    for p in np.argsort(-pred_scores, kind='stable'):
        cand = np.where(match < 0, iou[p], -1.0)
        g = int(cand.argmax())
        if cand[g] >= iou_thr:
            match[g] = p
    return match


def viewpoint_agreement(counts: np.ndarray) -> float:
    """Share of front and back people whose component is the one assigned to their viewpoint, under the best
    one-to-one assignment of components to the viewpoints (:func:`~mmpose_mdn.evaluation.assignment_agreement` of
    counts[:2]; with M = 1 only one viewpoint gets a component).

    Args:
        counts (np.ndarray): (V, M) matched people per viewpoint (rows in :data:`VIEWPOINTS` order) and component
    """
    return assignment_agreement(counts[:2])


def align_components(counts: np.ndarray) -> np.ndarray:
    """Column order putting the components assigned to front, then back (as in :func:`viewpoint_agreement`)
    first and the rest after: ``counts[:, order]`` makes tables of different runs comparable."""
    rows, cols = linear_sum_assignment(counts[:2], maximize=True)
    first = [int(c) for _, c in sorted(zip(rows, cols))]
    return np.array(first + [m for m in range(counts.shape[1]) if m not in first])


def _lr_order(res: np.ndarray) -> float:
    """Share of left/right pairs in the annotated order over rows of :meth:`ViewpointComponentMetric.process`."""
    return float(res[:, 4].sum() / res[:, 5].sum()) if res[:, 5].sum() else float('nan')


def _component_counts(res: np.ndarray, M: int) -> np.ndarray:
    """C (V, M): matched people per viewpoint and chosen component, of rows of
    :meth:`ViewpointComponentMetric.process`."""
    hit = res[res[:, 1] > 0]
    return component_counts(hit[:, 0], hit[:, 2], len(VIEWPOINTS), M)


@METRICS.register_module()
class ViewpointComponentMetric(BaseMetric):
    """How the components chosen by an MDN head line up with the viewpoint stored in the annotations.

    Per image, predictions (``bboxes``, ``bbox_scores``) are matched to the annotated people (``num_keypoints``
    > 0, not crowd) by :func:`match_greedy`. ``C[v, m]`` counts matched people of viewpoint v (``raw_ann_info``'s
    ``viewpoint``) whose prediction chose component m (``pred_instances.components``). Metrics, prefixed
    ``viewpoint/``:

    - ``matched``: share of annotated people that are matched (box recall at ``iou_thr``)
    - ``lr_order``: over matched front and back people, the share of annotated shoulder and hip pairs whose
      predicted left/right order in x is the annotated one: a regressor pulled between the two mirrored modes
      gets it right only by chance
    - ``agreement``: :func:`viewpoint_agreement` of C, for MDN heads
    - ``<view>_c<m>``: C[v, m], the raw count (reports derive the shares C[v, m] / sum_m C[v, m])

    Where some people hide the viewpoint cue (an annotation's ``cue_visible`` False; without the field: visible),
    also ``lr_order_visible`` and ``lr_order_hidden``, ``lr_order`` over the people with the cue visible or
    hidden; ``lr_order_hidden_front`` and ``lr_order_hidden_back``, over the hidden front or back people, and
    ``lr_order_hidden_balanced``, their mean: a model that cannot tell a hidden front view from a hidden back view
    gives the back ones the other labelling as often as the front ones, 1 - (front's order), so it scores 0.5 however
    often it picks either labelling and however many of each a split holds (``lr_order_hidden`` is 0.5 only where
    that model picks both equally, or the split holds as many of each); and ``agreement_visible``:
    :func:`viewpoint_agreement` of C counting people with the cue visible
    only, the assignment of components to front and back included (a hidden cue leaves the viewpoint
    undecidable from the image). Predictions without ``components`` (the L1 base model) give ``matched`` and the
    ``lr_order`` keys only.

    Args:
        iou_thr (float): box IoU for a match. Defaults to 0.5
    """
    default_prefix = 'viewpoint'

    def __init__(self, iou_thr: float = 0.5, collect_device: str = 'cpu', prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.iou_thr = iou_thr

    def process(self, data_batch: Sequence[dict], data_samples: Sequence[dict]) -> None:
        """Store per image (one result per sample, as mmengine's collection expects) a list of per annotated
        person (viewpoint index, matched, chosen component or -1, M (0 without MDN), left/right pairs in the
        annotated order, annotated pairs (of matched front and back people), cue visible)."""
        for sample in data_samples:
            anns = [a for a in (sample.get('raw_ann_info') or [])
                    if a.get('num_keypoints', 0) > 0 and not a.get('iscrowd', 0)]
            people = []
            gt = np.array([a['bbox'] for a in anns], dtype=np.float64).reshape(-1, 4)
            gt[:, 2:] += gt[:, :2]
            pred = sample['pred_instances']
            match = match_greedy(np.asarray(pred['bboxes']).reshape(-1, 4), np.asarray(pred['bbox_scores']), gt,
                                 self.iou_thr)
            comps = pred.get('components')
            M = np.asarray(pred['mixture_probs']).shape[-1] if comps is not None else 0
            for a, p in zip(anns, match):
                view = VIEWPOINTS.index(a['viewpoint'])
                comp = int(comps[p]) if p >= 0 and M else -1
                right = total = 0
                if p >= 0 and view < 2:
                    gt_kpts = np.asarray(a['keypoints'], dtype=np.float64).reshape(-1, 3)
                    pred_x = np.asarray(pred['keypoints'])[p, :, 0]
                    for left, rgt in LR_PAIRS:
                        if gt_kpts[left, 2] > 0 and gt_kpts[rgt, 2] > 0:
                            total += 1
                            right += (pred_x[left] > pred_x[rgt]) == (gt_kpts[left, 0] > gt_kpts[rgt, 0])
                people.append((view, int(p >= 0), comp, M, right, total, int(a.get('cue_visible', True))))
            self.results.append(people)

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        res = np.array([p for people in results for p in people], dtype=np.int64).reshape(-1, 7)
        visible, split = res[:, 6] > 0, not res[:, 6].all()
        metrics = dict(matched=float(res[:, 1].mean()) if len(res) else float('nan'), lr_order=_lr_order(res))
        if split:
            hidden = res[~visible]
            by_view = [_lr_order(hidden[hidden[:, 0] == v]) for v in range(2)]
            metrics.update(lr_order_visible=_lr_order(res[visible]), lr_order_hidden=_lr_order(hidden),
                           lr_order_hidden_front=by_view[0], lr_order_hidden_back=by_view[1],
                           lr_order_hidden_balanced=float(np.mean(by_view)))
        M = int(res[:, 3].max()) if len(res) else 0
        if M == 0:
            return metrics
        counts = _component_counts(res, M)
        metrics['agreement'] = viewpoint_agreement(counts)
        if split:
            metrics['agreement_visible'] = viewpoint_agreement(_component_counts(res[visible], M))
        metrics.update({f'{view}_c{m}': int(counts[v, m]) for v, view in enumerate(VIEWPOINTS) for m in range(M)})
        return metrics
