"""OKS average precision with xtcocotools' COCOeval over a group of keypoints and a subset of the annotated
people: the one scoring routine every analysis of :mod:`mmpose_mdn.evaluation` calls.

A group keeps its keypoints only, in the ground truth and the predictions, with its own sigmas; the OKS scale is
still the annotation's ``area`` (``use_area``). A person with no annotated keypoint left (in the group, or after
the subset's rule) is *ignored* by COCOeval: a prediction matched to it counts neither as a match nor as a false
positive. Ground truth is rebuilt per (group, subset) from the file's annotations, never edited in place, so
evaluating again in the same process gives the same numbers.
"""
import contextlib
import io
import json
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval, Params

from .subsets import subset_visibility

MAX_DETS = Params(iouType='keypoints').maxDets[-1]  # COCOeval counts the 20 best-scored people of an image
STATS = ('AP', 'AP50', 'AP75', 'APm', 'APl', 'AR', 'AR50', 'AR75', 'ARm', 'ARl')  # COCOeval.stats order


def load_keypoint_annotations(ann_file: str) -> dict:
    """A COCO person-keypoints file as a dict; missing files and files without keypoints fail naming the file."""
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'annotation file {ann_file} does not exist')
    with open(ann_file) as f:
        data = json.load(f)
    if not isinstance(data, dict) or not any('keypoints' in a for a in data.get('annotations', [])):
        raise ValueError(f'{ann_file} has no person keypoints (no annotation with a "keypoints" field): the '
                         'keypoint analyses need a COCO person-keypoints file such as person_keypoints_val2017.json')
    return data


def annotation_keypoints(data: dict, num_keypoints: int) -> np.ndarray:
    """(A, K, 3) keypoints (x, y, v) of ``data['annotations']`` in order (zeros where an annotation has none)."""
    kpts = np.zeros((len(data['annotations']), num_keypoints, 3))
    for i, a in enumerate(data['annotations']):
        if 'keypoints' in a:
            kpts[i] = np.asarray(a['keypoints'], dtype=np.float64).reshape(num_keypoints, 3)
    return kpts


class KeypointResults:
    """Predictions in COCO's results layout, as arrays: ``image_ids`` (D,), ``keypoints`` (D, K, 3) (x, y,
    score) in image pixels, ``scores`` (D,) the person scores COCOeval ranks by."""

    def __init__(self, image_ids: np.ndarray, keypoints: np.ndarray, scores: np.ndarray):
        self.image_ids = np.asarray(image_ids, dtype=np.int64)
        self.keypoints = np.asarray(keypoints, dtype=np.float64)
        self.scores = np.asarray(scores, dtype=np.float64)

    @classmethod
    def from_coco(cls, results: Sequence[dict], num_keypoints: int) -> 'KeypointResults':
        """From a COCO results list (``image_id``, ``keypoints`` K*3, ``score``)."""
        return cls(np.array([r['image_id'] for r in results], dtype=np.int64),
                   np.array([r['keypoints'] for r in results], dtype=np.float64).reshape(-1, num_keypoints, 3),
                   np.array([r['score'] for r in results], dtype=np.float64))

    def __len__(self) -> int:
        return len(self.scores)

    def top(self, max_dets: int) -> np.ndarray:
        """Indices (D',), in order, of the results COCOeval can count: the ``max_dets`` highest scored per image
        (ties in result order, as COCOeval's stable sort keeps them); the rest it never looks at."""
        order = np.lexsort((np.arange(len(self)), -self.scores, self.image_ids))
        ids = self.image_ids[order]
        first = np.searchsorted(ids, ids)  # position of each image's first result in ``order``
        return np.sort(order[np.arange(len(order)) - first < max_dets])

    def subset(self, rows: np.ndarray) -> 'KeypointResults':
        return KeypointResults(self.image_ids[rows], self.keypoints[rows], self.scores[rows])

    def to_coco(self, keypoint_ids: Sequence[int]) -> list:
        """A COCO results list of the group's keypoints; result i gets COCOeval id i + 1."""
        kpts = self.keypoints[:, keypoint_ids].reshape(len(self), 3 * len(keypoint_ids)).tolist()
        return [dict(image_id=int(i), category_id=1, keypoints=k, score=float(s))
                for i, k, s in zip(self.image_ids, kpts, self.scores)]


class KeypointAP:
    """COCOeval keypoint AP of predictions on one annotation file, per keypoint group and people subset.

    Args:
        data (dict): the COCO annotation file's content (:func:`load_keypoint_annotations`)
        sigmas (np.ndarray): (K,) the dataset's keypoint sigmas
        keypoint_name2id (dict): keypoint names to indices (the dataset meta's), for the subsets' nose
        use_area (bool): OKS scale from the annotations' ``area`` (CocoMetric's default)
        ann_file (str): the file's name, for messages
    """

    def __init__(self, data: dict, sigmas: np.ndarray, keypoint_name2id: dict, use_area: bool = True,
                 ann_file: str = 'the annotation file'):
        self.data, self.sigmas, self.use_area, self.ann_file = data, np.asarray(sigmas), use_area, ann_file
        self.num_keypoints = len(self.sigmas)
        self.name2id = keypoint_name2id
        self.keypoints = annotation_keypoints(data, self.num_keypoints)  # (A, K, 3)
        self.image_ids = {img['id'] for img in data['images']}
        self._gt: Dict[tuple, COCO] = {}

    def ground_truth(self, keypoint_ids: Sequence[int], subset: str = 'all') -> COCO:
        """The COCO object of the group's keypoints, visibilities set by the subset's rule (cached)."""
        key = (tuple(keypoint_ids), subset)
        if key not in self._gt:
            kpts = self.keypoints.copy()
            kpts[..., 2] = subset_visibility(kpts, subset, self.name2id.get('nose'))
            whole = subset == 'all' and list(keypoint_ids) == list(range(self.num_keypoints))
            kpts = kpts[:, list(keypoint_ids)]
            # num_keypoints decides who COCOeval ignores: the file's own for the whole set (CrowdPose's count its
            # 12 limb keypoints only, as CocoMetric reads them), else the group's labelled ones; iscrowd where
            # missing (AI Challenger) as xtcocotools sets it when it reads a file
            anns = [dict(a, keypoints=k.reshape(-1).tolist(), iscrowd=a.get('iscrowd', 0),
                         num_keypoints=a['num_keypoints'] if whole and 'num_keypoints' in a
                         else int((k[:, 2] > 0).sum()))
                    for a, k in zip(self.data['annotations'], kpts)]
            with contextlib.redirect_stdout(io.StringIO()):
                coco = COCO()
                coco.dataset = dict(self.data, annotations=anns)
                coco.createIndex()
            self._gt[key] = coco
        return self._gt[key]

    def evaluate(self, results: KeypointResults, keypoint_ids: Optional[Sequence[int]] = None,
                 subset: str = 'all') -> Dict[str, float]:
        """COCOeval's ten statistics (:data:`STATS`; NaN where it has no ground truth, its -1)."""
        return self.run(results, keypoint_ids, subset)[0]

    def run(self, results: KeypointResults, keypoint_ids: Optional[Sequence[int]] = None,
            subset: str = 'all', source: str = 'the predictions') -> tuple:
        """The statistics, the evaluated COCOeval (for its per-image matches) and the indices (D',) of the results
        it was given (:meth:`KeypointResults.top`: COCOeval id i + 1 is result ``kept[i]``); ``source`` names the
        results in errors."""
        ids = list(range(self.num_keypoints)) if keypoint_ids is None else list(keypoint_ids)
        unknown = set(results.image_ids.tolist()) - self.image_ids
        if unknown:
            raise ValueError(f'{source} hold people of {len(unknown)} image ids that are not in {self.ann_file} '
                             f'(e.g. {sorted(unknown)[:3]}): were they made on another dataset?')
        gt = self.ground_truth(ids, subset)
        with contextlib.redirect_stdout(io.StringIO()):
            kept = results.top(MAX_DETS)
            dt = gt.loadRes(results.subset(kept).to_coco(ids))
            coco_eval = COCOeval(gt, dt, 'keypoints', self.sigmas[ids], self.use_area)
            coco_eval.params.useSegm = None
            coco_eval.evaluate()
            coco_eval.accumulate()
            coco_eval.summarize()
        stats = {name: (float(v) if v >= 0 else float('nan')) for name, v in zip(STATS, coco_eval.stats)}
        return stats, coco_eval, kept


def matched_annotations(coco_eval: COCOeval, kept: np.ndarray, num_results: int, oks_thr: float = 0.5) -> np.ndarray:
    """(D,) the annotation id each of the D results (COCOeval id i + 1 is result ``kept[i]``) is matched to at
    ``oks_thr`` over all areas, -1 where unmatched, matched to an ignored person or not evaluated (xtcocotools
    marks unmatched -1; annotation ids may be 0)."""
    t = int(np.argmin(np.abs(coco_eval.params.iouThrs - oks_thr)))
    all_area = coco_eval.params.areaRng[0]
    match = np.full(num_results, -1, dtype=np.int64)
    for e in coco_eval.evalImgs:
        if e is None or e['aRng'] != all_area or not e['dtIds']:
            continue
        ids = kept[np.asarray(e['dtIds']) - 1]
        keep = ~np.asarray(e['dtIgnore'][t], dtype=bool)
        match[ids[keep]] = np.asarray(e['dtMatches'][t])[keep]
    return match


def matched_rows(match: np.ndarray, annotations: Sequence[dict]) -> np.ndarray:
    """(D,) the row in ``annotations`` of the annotation each result is matched to (``match`` (D,): annotation ids,
    :func:`matched_annotations`), -1 where none."""
    index = {a['id']: i for i, a in enumerate(annotations)}
    return np.array([index.get(m, -1) if m >= 0 else -1 for m in match.tolist()], dtype=np.int64)
