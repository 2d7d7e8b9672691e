"""A test run's predictions, every image's people in one set of arrays, and their COCO results as CocoMetric
scores them.

Fields (image pixels, the estimator's ``pred_instances``): ``keypoints`` (D, K, 2), ``keypoint_scores`` (D, K),
``bbox_scores`` (D,), and from an MDN head ``components`` (D,), ``mixture_probs`` (D, M), ``component_keypoints``
(D, M, K, 2), ``component_keypoint_scores`` (D, M, K) and, where every image has them, ``sigmas`` (D, 2) (the
chosen component's sigma, image pixels); D people over all images, ``image_ids`` (D,).
"""
import os.path as osp
from typing import Dict, Optional, Sequence

import mmengine
import numpy as np

from .keypoint_ap import KeypointResults

MDN_FIELDS = ('components', 'mixture_probs', 'component_keypoints', 'component_keypoint_scores')
FIELDS = ('keypoints', 'keypoint_scores', 'bbox_scores') + MDN_FIELDS
OPTIONAL_FIELDS = ('sigmas', 'keypoint_sigmas')  # kept where every image has them


class Predictions:
    """The people predicted on a dataset; ``is_mdn`` where they carry every component's keypoints."""

    def __init__(self, image_ids: np.ndarray, fields: Dict[str, np.ndarray]):
        self.image_ids, self.fields = image_ids, fields

    @classmethod
    def from_samples(cls, samples: Sequence[dict], source: str = 'the predictions') -> 'Predictions':
        """From per-image dicts with ``img_id`` and ``pred_instances`` (``tools/test.py --dump``'s entries, or
        data samples' ``to_dict()``); ``source`` names them in errors."""
        if not samples:
            raise ValueError(f'{source} hold no images')
        bad = [i for i, s in enumerate(samples) if not isinstance(s, dict) or 'img_id' not in s
               or 'keypoints' not in s.get('pred_instances', {})]
        if bad:
            raise ValueError(f'{source}: entry {bad[0]} has no img_id and pred_instances.keypoints; expected the '
                             'per-image predictions of a pose model (tools/test.py --dump FILE.pkl)')
        insts = [s['pred_instances'] for s in samples]
        present = [set(MDN_FIELDS) <= set(inst) for inst in insts]
        if any(present) and not all(present):
            raise ValueError(f'{source}: some images carry the MDN fields {MDN_FIELDS} and some do not')
        names = FIELDS if all(present) else FIELDS[:3]
        names += tuple(n for n in OPTIONAL_FIELDS if all(present) and all(n in inst for inst in insts))
        fields = {n: np.concatenate([np.asarray(inst[n]) for inst in insts]) for n in names}
        counts = [len(inst['keypoints']) for inst in insts]
        image_ids = np.repeat(np.array([s['img_id'] for s in samples], dtype=np.int64), counts)
        return cls(image_ids, fields)

    @classmethod
    def from_dump(cls, path: str, option: str = 'dump file') -> 'Predictions':
        """From a ``tools/test.py --dump FILE.pkl``; a missing file fails naming it and the ``option`` it was
        given as."""
        if not osp.isfile(path):
            raise FileNotFoundError(f'{option} {path} does not exist (write it with tools/test.py --dump)')
        return cls.from_samples(mmengine.load(path), path)

    def __len__(self) -> int:
        return len(self.image_ids)

    @property
    def is_mdn(self) -> bool:
        return 'components' in self.fields

    @property
    def num_keypoints(self) -> int:
        return self.fields['keypoints'].shape[1]

    @property
    def num_components(self) -> Optional[int]:
        return self.fields['mixture_probs'].shape[1] if self.is_mdn else None

    def scores(self, keypoint_scores: np.ndarray, score_mode: str = 'bbox',
               keypoint_score_thr: float = 0.2) -> np.ndarray:
        """(D,) person scores by CocoMetric's ``score_mode``: ``'bbox'`` the box score, ``'keypoint'`` the mean
        keypoint score, ``'bbox_keypoint'`` the box score times the mean of the keypoint scores above
        ``keypoint_score_thr`` (0 where none is)."""
        if score_mode == 'bbox':
            return self.fields['bbox_scores']
        if score_mode == 'keypoint':
            return keypoint_scores.mean(1)
        if score_mode == 'bbox_keypoint':
            above = keypoint_scores > keypoint_score_thr
            mean = np.where(above, keypoint_scores, 0).sum(1) / np.maximum(above.sum(1), 1)
            return self.fields['bbox_scores'] * mean
        raise ValueError(f"score_mode {score_mode!r}: the analysis scores like CocoMetric with 'bbox', 'keypoint' "
                         "or 'bbox_keypoint'")

    def results(self, keep: np.ndarray, keypoints: np.ndarray, keypoint_scores: np.ndarray,
                **score_cfg) -> KeypointResults:
        """COCO results of the people in ``keep`` (D,) with the given keypoints (D, K, 2) and scores (D, K)."""
        scores = self.scores(keypoint_scores, **score_cfg)
        kpts = np.concatenate([keypoints, keypoint_scores[..., None]], axis=-1)
        return KeypointResults(self.image_ids[keep], kpts[keep], scores[keep])
