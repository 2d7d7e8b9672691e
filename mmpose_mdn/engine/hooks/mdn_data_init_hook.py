"""Data-driven start of an MDN head: component means from k-means of the training offsets, sigma at its
maximum-likelihood value around them (the paper: "we initialize the variance ... in relation to the dataset")."""
import json
from typing import Dict, Optional, Tuple

import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from ...models.utils.mdn import mdn_slices, sigma_to_raw


def image_sizes(ann_file: str) -> Dict[int, Tuple[int, int]]:
    """(height, width) per image id of a COCO annotation file."""
    with open(ann_file) as f:
        return {img['id']: (img['height'], img['width']) for img in json.load(f)['images']}


def training_offsets(data_list: list, sizes: Dict[int, Tuple[int, int]], input_size: Tuple[int, int],
                     stride: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keypoint offsets from the box centre of every annotated person, in output pixels at the scale the
    bottom-up pipeline gives on average (the image's long side fitted to the input).

    Args:
        data_list (list): a bottom-up COCO dataset's data infos; sizes: (height, width) per ``img_id``

    Returns:
        offsets (P, K, 2), weights (P, K) (1: annotated) and scales (P,) (the box's long side, output pixels)
    """
    offsets, weights, scales = [], [], []
    for info in data_list:
        kpts = np.asarray(info['keypoints'], np.float64)
        vis = np.asarray(info['keypoints_visible'], np.float64)
        boxes = np.asarray(info['bbox'], np.float64).reshape(-1, 4)
        h, w = sizes[info['img_id']]
        s = max(input_size) / max(h, w) / stride
        for k, v, b in zip(kpts, vis, boxes):
            if (v > 0).any():
                offsets.append((k - (b[:2] + b[2:]) / 2) * s)
                weights.append((v > 0).astype(np.float64))
                scales.append(max(b[2] - b[0], b[3] - b[1]) * s)
    if not offsets:
        raise ValueError('MDNDataInitHook found no annotated person in the training set')
    return np.stack(offsets), np.stack(weights), np.array(scales)


def kmeans_offsets(offsets: np.ndarray, weights: np.ndarray, scales: np.ndarray, k: int, seed: int = 0,
                   iters: int = 50) -> Tuple[np.ndarray, np.ndarray]:
    """k-means (k-means++ start, Lloyd steps) of the scale-normalised offsets o / scale over the annotated
    keypoints only: the distance of person p to centroid c is sum_k w_pk |o_pk / s_p - c_k|^2 / sum_k w_pk.

    Returns:
        centroids (k, K, 2) in output pixels (times the median scale) and each person's cluster (P,)
    """
    x, w = offsets / scales[:, None, None], weights[..., None]
    rng = np.random.default_rng(seed)

    def dist(c):  # (P, k)
        return (w[:, None] * (x[:, None] - c[None]) ** 2).sum((2, 3)) / np.maximum(w.sum((1, 2)), 1)[:, None]

    cent = x[[rng.integers(len(x))]].copy()
    while len(cent) < k:  # k-means++: the next start drawn with probability proportional to d^2
        d = dist(cent).min(1)
        cent = np.concatenate([cent, x[[rng.choice(len(x), p=d / d.sum() if d.sum() > 0 else None)]]])
    for _ in range(iters):
        assign = dist(cent).argmin(1)
        for c in range(k):
            wc = w[assign == c]
            if wc.sum():  # an empty cluster keeps its centroid
                cent[c] = (wc * x[assign == c]).sum(0) / np.maximum(wc.sum(0), 1e-9)
    return cent * np.median(scales), dist(cent).argmin(1)


def sigma_ml(residuals: np.ndarray, weights: np.ndarray, keypoint_sigmas: np.ndarray) -> np.ndarray:
    """Maximum-likelihood sigma (x, y) of the model std_k = sigma * v_k for residuals (P, K, 2), one per axis:
    sigma_a^2 = sum_pk w_pk (r_pka / v_k)^2 / sum_pk w_pk."""
    z2 = (residuals / keypoint_sigmas[None, :, None]) ** 2 * weights[..., None]
    return np.sqrt(z2.sum((0, 1)) / weights.sum())


@HOOKS.register_module()
class MDNDataInitHook(Hook):
    """Starts an MDN head's offset output (every stack) from the training set before the first iteration of a
    fresh run (not on ``--resume`` or ``load_from``, whose weights are kept): the output layer's weights of the
    channels it sets are zeroed and their biases set, so every pixel starts at these values:

    - ``mean_init='kmeans'``: component m's K*2 mean biases = centroid m of :func:`kmeans_offsets` of the
      training offsets (M clusters; the annotations' keypoints only, never their other fields), as a Gaussian
      mixture is usually started; the mixing logits' biases = log of the cluster shares
    - ``sigma_init='ml'``: the sigma biases such that sigma starts at :func:`sigma_ml` of the residuals to the
      starting means (each person to its cluster's centroid with ``mean_init``, else to 0, the untrained means)

    The offsets follow :func:`training_offsets`. The values set are logged.

    Args:
        mean_init (str, optional): ``'kmeans'`` or None
        sigma_init (str, optional): ``'ml'`` or None
        seed (int): k-means seed. Defaults to 0
    """
    priority = 'LOW'

    def __init__(self, mean_init: Optional[str] = None, sigma_init: Optional[str] = None, seed: int = 0):
        if mean_init not in (None, 'kmeans') or sigma_init not in (None, 'ml'):
            raise ValueError(f"MDNDataInitHook takes mean_init in (None, 'kmeans') and sigma_init in (None, 'ml'), "
                             f'got {mean_init!r}, {sigma_init!r}')
        if mean_init is None and sigma_init is None:
            raise ValueError('MDNDataInitHook needs mean_init and/or sigma_init')
        self.mean_init, self.sigma_init, self.seed = mean_init, sigma_init, seed
        self.checkpoint_loaded = False

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """The Runner loaded weights (``load_from`` or a resume): :meth:`before_train` keeps them."""
        self.checkpoint_loaded = True

    def before_train(self, runner) -> None:
        if self.checkpoint_loaded:
            runner.logger.info('MDNDataInitHook: weights come from a checkpoint, nothing initialised')
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        head = model.head
        if not getattr(head, 'is_mdn', False):
            raise TypeError('MDNDataInitHook initialises an MDN head (num_components set); this head has none')
        dataset = runner.train_dataloader.dataset
        data_list = [dataset.get_data_info(i) for i in range(len(dataset))]  # serialised datasets keep no list
        offsets, weights, scales = training_offsets(data_list, image_sizes(dataset.ann_file),
                                                    head.decoder.input_size, head.decoder.stride)
        self.apply(head, offsets, weights, scales, runner.logger)

    def apply(self, head, offsets: np.ndarray, weights: np.ndarray, scales: np.ndarray, logger=None) -> dict:
        """Start the head from the given training offsets; returns the values set (means (M, K, 2), shares
        (M,), sigma (2,), where set)."""
        M, K = head.num_components, head.num_keypoints
        values = {}
        centres = np.zeros((1, K, 2))
        assign = np.zeros(len(offsets), dtype=np.int64)
        if self.mean_init:
            centres, assign = kmeans_offsets(offsets, weights, scales, M, self.seed)
            values['means'] = centres
            values['shares'] = np.bincount(assign, minlength=M) / len(assign)
        if self.sigma_init:
            v = head.offset_loss.keypoint_sigmas.cpu().numpy().astype(np.float64)
            values['sigma'] = sigma_ml(offsets - centres[assign], weights, v)
        channels = mdn_slices(M, K)
        start = []  # (output channels, their value at every pixel at step 0)
        if 'means' in values:
            start.append((channels['means'], values['means'].reshape(-1)))
            start.append((channels['logits'], np.log(np.maximum(values['shares'], 1e-3))))
        if 'sigma' in values:
            if not (values['sigma'] > head.min_sigma).all():
                raise ValueError(f'sigma {np.round(values["sigma"], 3).tolist()} from the data is not above the '
                                 f'head\'s min_sigma {head.min_sigma}: lower min_sigma or start sigma from the floor '
                                 '(sigma_init=None)')
            start.append((channels['sigmas'], [sigma_to_raw(s, head.min_sigma) for s in values['sigma']] * M))
        for channels, value in start:
            head.start_offset_outputs(channels, value)
        if logger is not None:
            logger.info('MDNDataInitHook: ' + ', '.join(
                f'{k} {np.round(v, 2).tolist() if k != "means" else f"{M} centroids"}' for k, v in values.items()))
        return values
