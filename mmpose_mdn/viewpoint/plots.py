"""The viewpoint reports' figures: AP per model, component shares per viewpoint, AP and π agreement against a
varied quantity (matplotlib), and validation images with the predicted people coloured by component (cv2)."""
import pickle
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from ..visualization import COMPONENT_COLORS
from .body import VIEWPOINTS
from .verdict import TARGET_AGREEMENT, visible_agreement

SKELETON = parse_pose_metainfo(CocoDataset.METAINFO)['skeleton_links']


def _pyplot():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def _save(fig, out: str) -> None:
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    _pyplot().close(fig)


def plot_ap(ap: Dict[str, Sequence[float]], out: str) -> None:
    """Bars of the mean AP per model (``ap``: model -> AP per seed), ± sample std, the seeds as dots."""
    fig, ax = _pyplot().subplots(figsize=(5, 3.2))
    for i, values in enumerate(ap.values()):
        ax.bar(i, np.mean(values), yerr=np.std(values, ddof=1) if len(values) > 1 else 0,
               color='#8ab' if i else '#ccc', capsize=4)
        ax.plot([i] * len(values), values, 'k.', ms=5)
    ax.set_xticks(range(len(ap)), list(ap))
    ax.set_ylabel('COCO AP (val)')
    ax.set_title(f'AP over {len(next(iter(ap.values())))} seed(s)')
    _save(fig, out)


def plot_components(shares: Dict[str, np.ndarray], out: str) -> None:
    """Stacked bars: per MDN model and viewpoint, the share (V, M) of matched people per (aligned) component."""
    fig, axes = _pyplot().subplots(1, len(shares), figsize=(3 * len(shares), 3), sharey=True, squeeze=False)
    for ax, (name, share) in zip(axes[0], shares.items()):
        bottom = np.zeros(len(VIEWPOINTS))
        for m in range(share.shape[1]):
            ax.bar(VIEWPOINTS, share[:, m], bottom=bottom, label=f'component {m}',
                   color=np.array(COMPONENT_COLORS[m % len(COMPONENT_COLORS)]) / 255)
            bottom += share[:, m]
        ax.set_title(name)
        ax.set_ylim(0, 1)
    axes[0][0].set_ylabel('share of matched people')
    axes[0][-1].legend(fontsize=7, loc='lower right')
    _save(fig, out)


def plot_lines(series: Dict[str, List[Tuple[float, List[dict]]]], xlabel: str, out: str) -> None:
    """AP, and π's agreement on the people whose cue is visible, against a varied quantity x (hidden share,
    schedule factor): ``series`` is label -> [(x, the metrics of its seeds)], one line per label, each point the
    mean over the seeds with a finite value."""
    fig, axes = _pyplot().subplots(1, 2, figsize=(9, 3.2))
    for ax, ylabel, get in ((axes[0], 'COCO AP (val)', lambda m: m['coco/AP']),
                            (axes[1], 'π agreement, cue visible', visible_agreement)):
        for i, (label, points) in enumerate(series.items()):  # a label keeps its colour in both panels
            pts = []
            for x, metrics in points:
                values = [v for v in map(get, metrics) if np.isfinite(v)]
                if values:
                    pts.append((x, np.mean(values)))
            if pts:
                ax.plot(*zip(*sorted(pts)), 'o-', label=label, color=f'C{i}')
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    axes[1].axhline(TARGET_AGREEMENT, color='grey', ls=':', lw=1)
    axes[0].legend(fontsize=7)
    _save(fig, out)


def example_row(predictions: str, title: str, num: int = 6, score_thr: float = 0.3) -> np.ndarray:
    """A titled row (BGR) of the first ``num`` validation images of a pickled prediction dump (``DumpResults``)
    at twice their size: people scoring >= ``score_thr`` with keypoints and limbs in their chosen component's
    colour (grey without components), the person's left keypoints with a white dot, and the annotated viewpoint
    (F/B/S) at each annotated box."""
    samples = [s for s in pickle.load(open(predictions, 'rb')) if s.get('raw_ann_info')][:num]
    tiles = []
    for s in samples:
        img = cv2.resize(cv2.imread(s['img_path']), None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
        pred = s['pred_instances']
        comps = pred.get('components')
        for n in np.flatnonzero(np.asarray(pred['bbox_scores']) >= score_thr):
            color = (COMPONENT_COLORS[int(comps[n]) % len(COMPONENT_COLORS)][::-1] if comps is not None
                     else (160, 160, 160))
            kpts = np.asarray(pred['keypoints'][n]) * 2
            for a, b in SKELETON:
                cv2.line(img, tuple(map(int, kpts[a])), tuple(map(int, kpts[b])), color, 2, cv2.LINE_AA)
            for k, (x, y) in enumerate(kpts):  # COCO's left keypoints are the odd ones after the nose
                cv2.circle(img, (int(x), int(y)), 3, (255, 255, 255) if k % 2 and k > 0 else color, -1)
        for a in s['raw_ann_info']:
            x, y = a['bbox'][:2]
            cv2.putText(img, a['viewpoint'][0].upper(), (int(2 * x), int(2 * y) + 12), cv2.FONT_HERSHEY_SIMPLEX,
                        0.45, (255, 255, 255), 1, cv2.LINE_AA)
        tiles.append(img)
    row = np.concatenate(tiles, axis=1)
    head = np.full((24, row.shape[1], 3), 255, np.uint8)
    cv2.putText(head, title, (6, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([head, row], axis=0)
