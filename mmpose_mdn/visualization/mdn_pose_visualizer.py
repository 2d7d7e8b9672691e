"""The paper's Figure 2 on mmpose's PoseLocalVisualizer: each person in the colour of its MDN component, the chosen
component's σ ellipse at the person's centre, a legend and, optionally, π."""
from contextlib import contextmanager
from typing import Sequence, Tuple

import cv2
import numpy as np
from mmengine.structures import InstanceData
from mmpose.registry import VISUALIZERS
from mmpose.visualization import PoseLocalVisualizer

# RGB, component m in COMPONENT_COLORS[m]: orange, blue, green as benchmarks/viewpoint_benchmark.py's plots, then
# purple, red, brown (enough for the M <= 5 of configs/mdn/)
COMPONENT_COLORS = ((255, 140, 0), (0, 120, 255), (60, 200, 60), (170, 60, 200), (220, 30, 30), (140, 90, 40))


def keypoint_sigmas(instances: InstanceData, dataset_meta: dict) -> np.ndarray:
    """(N, K, 2) keypoint k's standard deviations per axis: the head's ``keypoint_sigmas`` (σ·v_k·t_k, with the
    ``test_cfg.keypoint_temperatures`` t_k) where the instances carry them, else σ·v_k from the people's σ (N, 2)
    and the dataset meta's keypoint ``sigmas`` v_k (K,)."""
    if 'keypoint_sigmas' in instances:
        return np.asarray(instances.keypoint_sigmas, dtype=np.float64)
    if not dataset_meta or 'sigmas' not in dataset_meta:
        raise ValueError('keypoint sigmas need the dataset meta\'s sigmas: call set_dataset_meta first')
    return (np.asarray(instances.sigmas, dtype=np.float64)[:, None, :]
            * np.asarray(dataset_meta['sigmas'])[None, :, None])


@VISUALIZERS.register_module()
class MDNPoseLocalVisualizer(PoseLocalVisualizer):
    """mmpose's ``PoseLocalVisualizer`` that draws MDN predictions as the paper's Figure 2.

    For predictions carrying ``components`` (N,), ``mixture_probs`` (N, M) and ``sigmas`` (N, 2) (the chosen
    component's (σx, σy) in image pixels), person n's skeleton, keypoints and box are drawn in
    ``component_colors[components[n]]``, with the axis-aligned 1σ ellipse of semi-axes (σx, σy) at its centre
    (the centre of its box, which the head regresses around the person's centre), a legend
    ("component m" on its colour) in the top-left corner and, with ``show_pi``, "pi 0.87" (π of the chosen
    component) above the box. σ is the mixture's scale (keypoint k's standard deviation is σ·v_k, v_k the
    dataset's keypoint sigmas), so the ellipse is about a person's size. Instances without ``components`` (L1
    models, ground truth) are drawn exactly as ``PoseLocalVisualizer`` draws them.

    Both kinds are drawn only for people whose ``bbox_scores`` >= ``bbox_thr``: a bottom-up model returns its
    candidates down to the low score COCO evaluation wants (``model.test_cfg.score_thr``), and the pictures of
    ``tools/test.py --show-dir``, the demo and the inferencers show people.

    Args (beyond ``PoseLocalVisualizer``'s):
        bbox_thr (float): minimum person score drawn. Defaults to 0.3, the inferencers' default ``bbox_thr``
        show_pi (bool): write π of the chosen component above each MDN person's box. Defaults to False
        show_kpt_sigma (bool): draw each keypoint's own 1σ ellipse, semi-axes σ·v_k (v_k: the dataset meta's
            ``sigmas``; σ·v_k·t_k with the head's ``keypoint_temperatures``), around the keypoints scoring >=
            ``kpt_thr``: the keypoints the model doubts have the largest ellipses. Defaults to False
        component_colors (sequence): one RGB colour per component. Defaults to :data:`COMPONENT_COLORS`
    """

    def __init__(self,
                 name: str = 'visualizer',
                 bbox_thr: float = 0.3,
                 show_pi: bool = False,
                 show_kpt_sigma: bool = False,
                 component_colors: Sequence[Tuple[int, int, int]] = COMPONENT_COLORS,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.bbox_thr = bbox_thr
        self.show_pi = show_pi
        self.show_kpt_sigma = show_kpt_sigma
        self.component_colors = [tuple(int(v) for v in c) for c in component_colors]

    def _people(self, instances: InstanceData) -> InstanceData:
        """The instances scoring at least ``bbox_thr`` (all of them without ``bbox_scores``)."""
        if 'bbox_scores' not in instances:
            return instances
        return instances[np.asarray(instances.bbox_scores) >= self.bbox_thr]

    def _colours_of(self, instances: InstanceData) -> list:
        """The palette colour of each component of the mixture (N, M), checked against the palette's size."""
        M = np.asarray(instances.mixture_probs).shape[1]
        if M > len(self.component_colors):
            raise ValueError(f'the model has {M} components but MDNPoseLocalVisualizer.component_colors has '
                             f'{len(self.component_colors)} colours: pass one RGB colour per component')
        return self.component_colors[:M]

    @contextmanager
    def _painted(self, colour: Tuple[int, int, int], num_keypoints: int):
        """``PoseLocalVisualizer``'s keypoint, link and box colours all set to ``colour`` while drawing."""
        saved = self.kpt_color, self.link_color, self.bbox_color
        self.kpt_color = np.tile(np.array(colour), (num_keypoints, 1))
        self.link_color = None if self.skeleton is None else np.tile(np.array(colour), (len(self.skeleton), 1))
        self.bbox_color = colour
        try:
            yield
        finally:
            self.kpt_color, self.link_color, self.bbox_color = saved

    def _draw_instances_kpts(self, image: np.ndarray, instances: InstanceData, kpt_thr: float = 0.3,
                             show_kpt_idx: bool = False, skeleton_style: str = 'mmpose') -> np.ndarray:
        """Skeletons of the people scoring >= ``bbox_thr``; for MDN, per component colour with σ ellipses, the
        legend and (``show_pi``) π."""
        instances = self._people(instances)
        if 'components' not in instances:
            return super()._draw_instances_kpts(image, instances, kpt_thr, show_kpt_idx, skeleton_style)
        colours = self._colours_of(instances)
        components = np.asarray(instances.components)
        K = np.asarray(instances.keypoints).shape[1]
        for m in np.unique(components):
            with self._painted(colours[m], K):
                image = super()._draw_instances_kpts(image, instances[components == m], kpt_thr, show_kpt_idx,
                                                     skeleton_style)
        self.set_image(image)
        bboxes = np.asarray(instances.bboxes, dtype=np.float64)
        centres = (bboxes[:, :2] + bboxes[:, 2:]) / 2
        sigmas = np.asarray(instances.sigmas, dtype=np.float64)
        for centre, sigma, m in zip(centres, sigmas, components):
            self._draw_ellipse(centre, sigma, colours[m])
        if self.show_kpt_sigma:
            for kpts, scores, sigma, m in zip(np.asarray(instances.keypoints), np.asarray(instances.keypoint_scores),
                                              keypoint_sigmas(instances, self.dataset_meta), components):
                for kpt, axes in zip(kpts[scores >= kpt_thr], sigma[scores >= kpt_thr]):
                    self._draw_ellipse(kpt, axes, colours[m])
        font_size = int(self._default_font_size)
        if self.show_pi:
            pi = np.asarray(instances.mixture_probs)[np.arange(len(components)), components]
            for box, p, m in zip(bboxes, pi, components):
                self.draw_texts(f'pi {p:.2f}', box[:2], font_sizes=font_size, colors=(255, 255, 255),
                                vertical_alignments='bottom', bboxes=[dict(facecolor=colours[m])])
        for m, colour in enumerate(colours):  # the legend, one line per component
            self.draw_texts(f'component {m}', np.array([2, 2 + 1.6 * font_size * m]), font_sizes=font_size,
                            colors=(255, 255, 255),
                            vertical_alignments='top', bboxes=[dict(facecolor=colour)])
        return self.get_image()

    def _draw_ellipse(self, centre: np.ndarray, sigma: np.ndarray, colour: Tuple[int, int, int]) -> None:
        """The axis-aligned ellipse of semi-axes (σx, σy) around ``centre``, as cv2's polygon of it (rounded to
        whole pixels)."""
        points = cv2.ellipse2Poly((int(round(centre[0])), int(round(centre[1]))),
                                  (int(round(sigma[0])), int(round(sigma[1]))), 0, 0, 360, 5)
        if self.backend == 'opencv':
            self._image = cv2.polylines(self._image, [points], True, colour, max(1, int(round(self.line_width))))
        else:
            self.draw_polygons(points, edge_colors=colour, line_widths=self.line_width)

    def _draw_instances_bbox(self, image: np.ndarray, instances: InstanceData) -> np.ndarray:
        """Boxes of the people scoring >= ``bbox_thr``; for MDN in their component's colour."""
        instances = self._people(instances)
        if 'components' not in instances:
            return super()._draw_instances_bbox(image, instances)
        colours = self._colours_of(instances)
        components = np.asarray(instances.components)
        K = np.asarray(instances.keypoints).shape[1]
        for m in np.unique(components):
            with self._painted(colours[m], K):
                image = super()._draw_instances_bbox(image, instances[components == m])
        return image
