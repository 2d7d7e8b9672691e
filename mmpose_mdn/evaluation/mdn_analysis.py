"""The paper's analyses of a pose model's predictions on one COCO-format annotation file, all scored by
:class:`.KeypointAP`: keypoint-group AP of the model and of the displaced ground truth (Table 4), the component
ablations on every people subset (Tables 1-2) and the component statistics (Table 3).

What the analysis returns (``analysis.json``)::

    images, people                  images of the file, non-crowd people with annotated keypoints
    keypoint_groups.model[group]    AP of the model over the group's keypoints (no model: absent)
    keypoint_groups.gt_displaced[d][group]   AP of the ground truth moved by d px, mean over the seeds
    ablations[row][subset][stat]    COCOeval's statistics (AP, AP50, ..., AR) of ``full`` and each ablation row
    components                      MDN only: shares per score threshold, the ground truth's face subsets,
                                    matched people per (face visible, occluded) x component and their agreement
    compared                        with another model's predictions: the people both match at OKS >= 0.5 and
                                    per keypoint group the median pixel error of each (:mod:`.keypoint_errors`),
                                    the other's name and AP
    calibration                     before (as predicted), after (with ``temperatures``, where given): the
                                    person score's, sigma's and pi's calibration (:mod:`.calibration_analysis`);
                                    fitted: the temperatures a fit on this file gives (MDN with sigmas);
                                    keypoint_temperatures: one sigma temperature per keypoint (--fit-keypoints)
    note                            L1 models: why the component analyses are absent
"""
import hashlib
import sys
from typing import Optional, Sequence

import numpy as np
from mmengine.utils import ProgressBar
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from .calibration_analysis import CalibrationData, best_oks, calibration_analysis
from .component_ablations import component_ablations
from .component_statistics import assignment_agreement, component_counts, component_shares
from .gt_displacement import displaced_ground_truth
from .keypoint_ap import KeypointAP, KeypointResults, load_keypoint_annotations, matched_annotations, matched_rows
from .keypoint_errors import matched_keypoint_errors, paired_group_errors
from .keypoint_groups import group_keypoint_ids
from .predictions import MDN_FIELDS, Predictions
from .subsets import NO_FACE_NOTE, dataset_subsets, face_visible



class MDNAnalysis:
    """The analyses of predictions on ``ann_file``, scored as CocoMetric scores them.

    Args:
        ann_file (str): COCO person-keypoints annotation file
        dataset_meta (dict, optional): the dataset meta (``sigmas``, ``keypoint_name2id``); COCO's by default
        score_mode (str), keypoint_score_thr (float), use_area (bool), nms_mode (str): CocoMetric's settings;
            the analysis applies no pose NMS (as the CenterNet configs' CocoMetric), so ``nms_mode`` must be
            ``'none'`` for its numbers to be CocoMetric's
        displacements (Sequence[float]): GT displacements in pixels
        seeds (Sequence[int]): the displacement's seeds, AP averaged over them
        score_thrs (Sequence[float]): score thresholds of the component shares
        temperatures (dict, optional): ``sigma_temperature`` / ``pi_temperature`` fitted on another split
            (``tools/analysis/mdn_analysis.py --fit-out``): the calibration is reported before and after them
        progress (bool): show a progress bar over the COCOeval runs
    """

    def __init__(self, ann_file: str, dataset_meta: Optional[dict] = None, score_mode: str = 'bbox',
                 keypoint_score_thr: float = 0.2, use_area: bool = True, nms_mode: str = 'none',
                 displacements: Sequence[float] = (1, 2, 3),
                 seeds: Sequence[int] = (0, 1, 2), score_thrs: Sequence[float] = (0.5, 0.7),
                 temperatures: Optional[dict] = None, progress: bool = True):
        if nms_mode != 'none':
            raise ValueError(f"the analysis applies no pose NMS, but CocoMetric's nms_mode is {nms_mode!r}: set "
                             "nms_mode='none' (as the CenterNet configs do), or its AP would not be CocoMetric's")
        self.ann_file = ann_file
        self.data = load_keypoint_annotations(ann_file)
        meta = dataset_meta or parse_pose_metainfo(CocoDataset.METAINFO)
        self.ap = KeypointAP(self.data, np.asarray(meta['sigmas']), meta['keypoint_name2id'], use_area, ann_file)
        self.groups = group_keypoint_ids(meta['keypoint_name2id'])
        self.subsets = dataset_subsets(meta['keypoint_name2id'])
        self.nose = meta['keypoint_name2id'].get('nose')
        self.score_cfg = dict(score_mode=score_mode, keypoint_score_thr=keypoint_score_thr)
        self.displacements, self.seeds, self.score_thrs = displacements, seeds, score_thrs
        self.temperatures = temperatures
        self.progress = progress
        self._bar = None

    def _evaluate(self, results, group='All', subset='all'):
        out = self.ap.run(results, self.groups[group], subset)
        if self._bar is not None:
            self._bar.update()
        return out

    def _start(self, num_evaluations: int, what: str) -> None:
        if self.progress and num_evaluations:
            print(f'{what}: {num_evaluations} COCOeval runs on {self.ann_file}', file=sys.stdout, flush=True)
            self._bar = ProgressBar(num_evaluations)

    def _stop(self) -> None:
        if self._bar is not None:
            sys.stdout.write('\n')
        self._bar = None

    def gt_displacement(self) -> dict:
        """``{'<d>px': {group: AP mean over seeds}}``."""
        self._start(len(self.displacements) * len(self.seeds) * len(self.groups), 'GT displacement')
        out = {}
        for d in self.displacements:
            aps = {g: [] for g in self.groups}
            for seed in self.seeds:
                for g, ids in self.groups.items():
                    moved = displaced_ground_truth(self.data, self.ap.keypoints, d, seed, ids)
                    aps[g].append(self._evaluate(moved, g)[0]['AP'])
            out[f'{d:g}px'] = {g: float(np.mean(v)) for g, v in aps.items()}
        self._stop()
        return out

    def run(self, preds: Optional[Predictions] = None, gt_displaced: Optional[dict] = None,
            other: Optional[Predictions] = None, other_name: str = 'other') -> dict:
        """Every analysis of ``preds`` (None: the displacement only); ``gt_displaced`` reuses an earlier
        :meth:`gt_displacement` of this file (it does not depend on the model); ``other``: another model's
        predictions on the same file, named ``other_name``, to :meth:`compare` with."""
        is_person = np.array([not a.get('iscrowd', 0) for a in self.data['annotations']], dtype=bool)
        is_person &= (self.ap.keypoints[..., 2] > 0).any(-1)
        out = dict(ann_file=self.ann_file, images=len(self.data['images']), people=int(is_person.sum()),
                   keypoint_groups=dict(gt_displaced=gt_displaced or self.gt_displacement()))
        if preds is None:
            return out
        for p, name in ((preds, 'the predictions'), (other, other_name)):
            if p is not None and p.num_keypoints != self.ap.num_keypoints:
                raise ValueError(f'{name} have {p.num_keypoints} keypoints a person, {self.ann_file} '
                                 f'{self.ap.num_keypoints}')
        ablations = component_ablations(preds)
        self._start(len(self.groups) - 1 + len(ablations) * len(self.subsets), 'MDN analysis')
        full = preds.results(*ablations['full'], **self.score_cfg)
        stats, coco_eval, kept = self._evaluate(full)
        out['keypoint_groups']['model'] = {g: self._evaluate(full, g)[0]['AP'] if g != 'All' else stats['AP']
                                           for g in self.groups}
        scored = {(_digest(full), 'all'): stats}  # rows that keep the same people with the same keypoints: scored once

        def ablation_stats(rows, subset):
            results = preds.results(*rows, **self.score_cfg)
            key = (_digest(results), subset)
            if key not in scored:
                scored[key] = self._evaluate(results, subset=subset)[0]
            elif self._bar is not None:
                self._bar.update()
            return dict(scored[key])
        out['ablations'] = {name: {s: stats if (name, s) == ('full', 'all') else ablation_stats(rows, s)
                                   for s in self.subsets} for name, rows in ablations.items()}
        self._stop()
        out['predictions'] = len(preds)
        match = matched_annotations(coco_eval, kept, len(full))
        if other is not None:
            out['compared'] = dict(self.compare(full, match, other, other_name), other=other_name)
        out['calibration'] = self.calibration(preds, full.scores, match)
        if not preds.is_mdn:
            out['note'] = (f'component analyses need an MDN head: these predictions lack '
                           f'{", ".join(n for n in MDN_FIELDS if n not in preds.fields)} (an L1 model?)')
            return out
        out['components'] = self.component_statistics(preds, full, match, is_person)
        return out

    def compare(self, full: KeypointResults, match: np.ndarray, other: Predictions, other_name: str) -> dict:
        """:func:`paired_group_errors` of the results ``full`` (matched to the annotations by ``match``) and of
        ``other``'s (named ``other_name`` in errors), scored as ``full`` is; ``other_ap``: its AP."""
        theirs = other.results(*component_ablations(other)['full'], **self.score_cfg)
        stats, coco_eval, kept = self.ap.run(theirs, self.groups['All'], source=other_name)
        errors = [matched_keypoint_errors(self.ap.keypoints, results.keypoints,
                                          matched_rows(m, self.data['annotations']))
                  for results, m in ((full, match), (theirs, matched_annotations(coco_eval, kept, len(theirs))))]
        return dict(paired_group_errors(*errors, self.groups), other_ap=stats['AP'])

    def calibrate(self, preds: Predictions) -> dict:
        """The ``calibration`` section of :meth:`run` alone (one COCOeval run, to match the people)."""
        full = preds.results(*component_ablations(preds)['full'], **self.score_cfg)
        _, coco_eval, kept = self.ap.run(full, self.groups['All'])
        return self.calibration(preds, full.scores, matched_annotations(coco_eval, kept, len(full)))

    def calibration(self, preds: Predictions, person_scores: np.ndarray, match: np.ndarray) -> dict:
        """:func:`calibration_analysis` before and, with ``temperatures``, after them; ``fitted``: the temperatures
        fitted on this file's matched people (MDN predictions with sigmas)."""
        cal = CalibrationData(preds, self.data, self.ap.keypoints, self.ap.sigmas, match, self.ap.use_area)
        best = best_oks(preds, self.data, self.ap.keypoints, self.ap.sigmas, self.ap.use_area)
        order = np.lexsort((best, person_scores, preds.image_ids))  # the same sums whatever the predictions' order
        person_scores, best = person_scores[order], best[order]
        out = dict(before=calibration_analysis(cal, person_scores, best, self.groups))
        if self.temperatures:
            out['after'] = calibration_analysis(cal, person_scores, best, self.groups, self.temperatures)
        if cal.has_sigma and len(cal.rows):
            out['fitted'] = cal.fit_temperatures()
            out['keypoint_temperatures'] = cal.fit_keypoint_temperatures()
        return out

    def component_statistics(self, preds: Predictions, full, match: np.ndarray, is_person: np.ndarray) -> dict:
        """Shares per component at the score thresholds; the ground truth's face subsets (people with >= 5
        annotated keypoints); matched people (``match`` (D,): annotation ids at OKS >= 0.5, all keypoints) per
        face row (visible, occluded) and component, and their :func:`assignment_agreement` (a dataset without a
        nose keypoint: the shares and a note)."""
        M = preds.num_components
        comps = preds.fields['components']
        shares = component_shares(comps, full.scores, M, self.score_thrs)
        if self.nose is None:
            return dict(shares=shares, note=NO_FACE_NOTE)
        face = face_visible(self.ap.keypoints, self.nose)  # (A,) 1 visible, 0 occluded, -1 neither
        in_subsets = is_person & (face >= 0)
        idx = matched_rows(match, self.data['annotations'])
        hit = idx >= 0
        hit[hit] &= in_subsets[idx[hit]]
        counts = component_counts(1 - face[idx[hit]], comps[hit], 2, M)
        n_faces = max(int(in_subsets.sum()), 1)
        return dict(
            shares=shares,
            gt_face=dict(visible_face=float((in_subsets & (face == 1)).sum() / n_faces),
                         occluded_face=float((in_subsets & (face == 0)).sum() / n_faces),
                         people=int(in_subsets.sum())),
            face_counts=counts.tolist(), face_agreement=assignment_agreement(counts))


def _digest(results) -> str:
    """A digest of COCO results (:class:`~.keypoint_ap.KeypointResults`): equal for the same people, keypoints and
    scores in the same order."""
    return hashlib.sha1(b''.join(np.ascontiguousarray(a).tobytes()
                                 for a in (results.image_ids, results.keypoints, results.scores))).hexdigest()
