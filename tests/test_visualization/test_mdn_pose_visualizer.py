"""MDNPoseLocalVisualizer on hand-made predictions that follow the prediction contract (image pixels): the
component colours, the σ ellipse and the legend at the pixels where they belong, people below bbox_thr left out,
and L1 predictions drawn exactly as mmpose's PoseLocalVisualizer draws them."""
import itertools

import numpy as np
import pytest
from mmengine.structures import InstanceData
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import VISUALIZERS
from mmpose.structures import PoseDataSample

from mmpose_mdn.visualization import COMPONENT_COLORS

META = parse_pose_metainfo(CocoDataset.METAINFO)
H, W = 240, 320
NAMES = (f'visualizer_{i}' for i in itertools.count())  # visualizers are global instances by name: one each


def person(x0, y0, score, component=None, sigma=None, pi=None):
    """One person: 17 keypoints in a 10 px wide column at x0..x0+10 from y0 down, box around them and an empty
    centre region of (80, 80) px to its right, where the σ ellipse goes."""
    kpts = np.stack([np.full(17, x0) + 10 * (np.arange(17) % 2), y0 + 8 * np.arange(17)], -1).astype(np.float32)
    fields = dict(keypoints=kpts[None], keypoint_scores=np.ones((1, 17), np.float32),
                  keypoints_visible=np.ones((1, 17), np.float32),
                  bboxes=np.array([[x0 - 5, y0 - 5, x0 + 155, y0 + 135]], np.float32),
                  bbox_scores=np.array([score], np.float32))
    if component is not None:
        fields.update(components=np.array([component]), sigmas=np.array([sigma], np.float32),
                      mixture_probs=np.array([pi], np.float32))
    return fields


def sample(*people):
    inst = InstanceData(**{k: np.concatenate([p[k] for p in people]) for k in people[0]})
    data_sample = PoseDataSample()
    data_sample.pred_instances = inst
    return data_sample


def draw(data_sample, **cfg):
    vis = VISUALIZERS.build(dict(type='MDNPoseLocalVisualizer', name=next(NAMES), **cfg))
    vis.set_dataset_meta(META)
    return vis.add_datasample('t', np.zeros((H, W, 3), np.uint8), data_sample, draw_gt=False, draw_bbox=True)


def test_component_colour_and_sigma_ellipse_at_the_centre():
    """Person of component 2 with σ = (30, 12): the ellipse's extreme points at centre ± σ in component 2's
    colour, its inside left untouched, skeleton and box in the same colour; the legend names components 0-2."""
    img = draw(sample(person(60, 60, 0.9, component=2, sigma=(30, 12), pi=(0.1, 0.2, 0.7))))
    colour = COMPONENT_COLORS[2]
    cx, cy = (55 + 215) // 2, (55 + 195) // 2  # the box centre (135, 125)
    for x, y in ((cx + 30, cy), (cx - 30, cy), (cx, cy + 12), (cx, cy - 12)):
        assert tuple(img[y, x]) == colour, (x, y, img[y, x])
    assert not img[cy - 6:cy + 7, cx - 20:cx + 21].any()  # nothing inside the ellipse
    assert not img[cy, cx + 33:cx + 60].any()  # nor beyond it
    assert tuple(img[60, 60]) == colour  # the first keypoint
    assert tuple(img[100, 215]) == colour  # the box's right edge
    legend = img[:40, :100].reshape(-1, 3)
    for m in range(3):
        assert (legend == COMPONENT_COLORS[m]).all(-1).sum() > 50, f'component {m} missing from the legend'


def test_each_person_in_its_own_component_colour_and_low_scores_not_drawn():
    people = (person(20, 40, 0.8, component=0, sigma=(10, 10), pi=(0.6, 0.4)),
              person(180, 40, 0.9, component=1, sigma=(20, 5), pi=(0.3, 0.7)),
              person(100, 10, 0.2, component=0, sigma=(40, 40), pi=(0.9, 0.1)))
    img = draw(sample(*people), bbox_thr=0.3)
    assert tuple(img[40, 20]) == COMPONENT_COLORS[0] and tuple(img[40, 180]) == COMPONENT_COLORS[1]
    assert not img[10, 100].any()  # the person scoring 0.2 < bbox_thr is not drawn
    assert tuple(draw(sample(*people), bbox_thr=0.1)[10, 100]) == COMPONENT_COLORS[0]


def test_pi_text_drawn_only_with_show_pi():
    data_sample = sample(person(60, 80, 0.9, component=1, sigma=(20, 20), pi=(0.25, 0.75)))
    plain, with_pi = draw(data_sample), draw(data_sample, show_pi=True)
    above_box = (slice(45, 75), slice(55, 130))  # the text sits on the box's top-left corner (55, 75)
    assert not plain[above_box].any() and (with_pi[above_box] == COMPONENT_COLORS[1]).all(-1).sum() > 30


def test_l1_predictions_drawn_as_mmpose_draws_them():
    """Without MDN fields the picture is PoseLocalVisualizer's, pixel for pixel, minus the people < bbox_thr."""
    kept, dropped = person(60, 40, 0.9), person(200, 40, 0.1)
    ours = draw(sample(kept, dropped))
    mmpose = VISUALIZERS.build(dict(type='PoseLocalVisualizer', name=next(NAMES)))
    mmpose.set_dataset_meta(META)
    reference = mmpose.add_datasample('t', np.zeros((H, W, 3), np.uint8), sample(kept), draw_gt=False,
                                      draw_bbox=True)
    np.testing.assert_array_equal(ours, reference)
    assert reference.any()


def test_too_few_colours_is_an_error_naming_the_setting():
    data_sample = sample(person(60, 60, 0.9, component=0, sigma=(10, 10), pi=(0.5, 0.3, 0.2)))
    with pytest.raises(ValueError, match='3 components.*component_colors has 2 colours'):
        draw(data_sample, component_colors=COMPONENT_COLORS[:2])


def test_keypoint_sigma_ellipses_only_with_show_kpt_sigma():
    """σ = (400, 100): keypoint 11 (left hip, v = 0.107) gets the ellipse of semi-axes (42.8, 10.7) ~ (43, 11)
    around it in the component's colour; without the option those pixels stay black; keypoints below kpt_thr get
    none (the last one, right ankle, v = 0.089: its ellipse's bottom and right ends stay black)."""
    people = person(60, 20, 0.9, component=1, sigma=(400, 100), pi=(0.2, 0.8))
    people['keypoint_scores'][0, 16] = 0.1  # below kpt_thr: no ellipse
    x, y = people['keypoints'][0, 11]  # (70, 108)
    plain = draw(sample(people))
    shown = draw(sample(people), show_kpt_sigma=True)
    colour = COMPONENT_COLORS[1]
    ends = [(int(x + 43), int(y)), (int(x - 43), int(y)), (int(x), int(y + 11)), (int(x), int(y - 11))]
    assert all(tuple(shown[b, a]) == colour for a, b in ends), [shown[b, a] for a, b in ends]
    assert not any(plain[b, a].any() for a, b in ends[:2])  # outside the skeleton's 10 px column
    x16, y16 = people['keypoints'][0, 16]  # (60, 148): its ellipse would have ends at (96, 148) and (60, 157) (the box edge: y = 155)
    assert not shown[int(y16), int(x16) + 33:int(x16) + 39].any()
    assert not shown[int(y16) + 8:int(y16) + 12, 60].any()
    people['keypoint_scores'][0, 16] = 1.0
    assert shown[int(y16) + 8:int(y16) + 12, 60].sum() < draw(sample(people), show_kpt_sigma=True)[
        int(y16) + 8:int(y16) + 12, 60].sum()  # drawn where it scores
    # the head's own per-keypoint stds (test_cfg.keypoint_temperatures) are drawn instead: (20, 5) at the left hip
    v = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, .5, 1.07, .87, .87, .89, .89]) / 10
    people['keypoint_sigmas'] = people['sigmas'][:, None] * v[:, None]
    own = draw(sample(people), show_kpt_sigma=True)
    assert tuple(own[int(y), int(x + 20)]) == tuple(own[int(y), int(x - 20)]) == colour
    assert not own[int(y), int(x) + 41:int(x) + 45].any()


def test_json_keypoint_sigmas_are_sigma_times_the_datasets_sigmas():
    from mmpose_mdn.apis import split_instances
    inst = sample(person(60, 20, 0.9, component=1, sigma=(400, 100), pi=(0.2, 0.8))).pred_instances
    people = split_instances(inst, META)
    np.testing.assert_allclose(people[0]['keypoint_sigma'], np.array(META['sigmas'])[:, None] * [400, 100],
                               rtol=1e-6)
    assert 'keypoint_sigma' not in split_instances(inst)[0]  # no dataset meta: no keypoint sigmas
    # the head's own per-keypoint stds (sigma v_k t_k, with test_cfg.keypoint_temperatures) win over the meta's
    own = np.arange(len(META['sigmas']) * 2, dtype=np.float64).reshape(1, -1, 2) + 1
    inst.keypoint_sigmas = own
    for meta in (META, None):
        np.testing.assert_array_equal(split_instances(inst, meta)[0]['keypoint_sigma'], own[0])
