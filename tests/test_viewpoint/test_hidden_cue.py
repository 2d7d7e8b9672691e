"""The hidden viewpoint cue: a back view renders exactly as the front view of the mirrored pose, and the scenes draw
the two equally often (the distribution, not only the pixels of one pose); the generator's ``hidden_cue`` knob
leaves the default data alone, and the metric splits its scores by the cue."""
import json

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import DATASETS, METRICS
from scipy.stats import ks_2samp

from mmpose_mdn.viewpoint import (Person, draw_people, generate_viewpoint_scenes, label_keypoints, sample_person,
                                  sample_pose)
from mmpose_mdn.viewpoint.body import L_EYE, L_HIP, NOSE, R_EYE, R_HIP

FLIP = parse_pose_metainfo(CocoDataset.METAINFO)['flip_indices']
FACE = [NOSE, L_EYE, R_EYE]
BODY = [k for k in range(17) if k not in FACE]  # the keypoints labelled on a person that hides the cue


def mirror(body):
    """Q: the pose P with left and right swapped and u, z negated, its face (not drawn when hidden) in front as
    every person's is."""
    q = body[FLIP] * [-1, 1, -1]
    q[FACE] = body[FACE]
    return q


def render(body, yaw, cue_visible, size=96):
    """One person (colours from a fixed seed) on a plain background: image, keypoints (17, 2), COCO labels (17, 3)."""
    person = Person(body, yaw, 70.0, (47.3, 11.6), np.deg2rad(7.0), np.random.default_rng(5), cue_visible)
    img = np.full((size, size, 3), 128, np.uint8)
    labels, part_kps = draw_people(img, [person])
    return img, person.keypoints, label_keypoints(person, 0, labels, part_kps)


@pytest.mark.parametrize('seed', range(4))
def test_hidden_cue_makes_a_back_view_the_front_view_of_the_mirror(seed):
    rng = np.random.default_rng(seed)
    p, yaw = sample_pose(rng), rng.uniform(-35, 35)
    q = mirror(p)
    back, back_kpts, back_labels = render(p, yaw + 180, cue_visible=False)
    front, front_kpts, front_labels = render(q, yaw, cue_visible=False)
    assert np.array_equal(back, front), 'the same pixels'
    body = [k for k in range(17) if k not in FACE]
    np.testing.assert_allclose(back_kpts[body], front_kpts[FLIP][body], atol=1e-9)
    np.testing.assert_allclose(back_labels, front_labels[FLIP], atol=1e-9)
    assert (back_labels[FACE] == 0).all() and (back_labels[:, 2] == 2).sum() >= 8
    # with the cue the face and the shoes tell them apart, and only the front view labels the eyes and nose
    back, _, back_labels = render(p, yaw + 180, cue_visible=True)
    front, _, front_labels = render(q, yaw, cue_visible=True)
    assert not np.array_equal(back, front)
    assert (back_labels[FACE, 2] == 0).all() and (front_labels[FACE, 2] > 0).all()


def people(hidden_cue, n=2000, seed=0):
    """``n`` people as the scenes draw them (:func:`sample_person`, the generator's streams)."""
    rng = np.random.default_rng(seed)
    cue_rng = rng.spawn(1)[0]
    return [sample_person(rng, cue_rng, 128, hidden_cue=hidden_cue)[0] for _ in range(n)]


def smallest_p_value(persons):
    """The smallest two-sample Kolmogorov-Smirnov p-value over the statistics of the exact ambiguity, comparing the
    people of one half of ``persons`` with the mirror images of the other half's (independent halves):

    - the pose P against Q(P), each body keypoint coordinate (u, y, z);
    - the yaw θ against θ + 180° (mod 360°);
    - what is drawn: per keypoint, its image x about the hip centre (units of the height) times its depth (how far
      in front of the body it is), against the same of the left/right-swapped keypoint; (Q(P), θ + 180°) draws the
      pixels and depths of (P, θ) with the labels swapped."""
    half = len(persons) // 2
    a, b = persons[:half], persons[half:]
    tests = [(np.stack([p.body for p in a])[:, k, c], np.stack([mirror(p.body) for p in b])[:, k, c])
             for k in BODY for c in range(3)]
    tests.append((np.array([p.yaw for p in a]) % (2 * np.pi), (np.array([p.yaw for p in b]) + np.pi) % (2 * np.pi)))

    def drawn(p):
        hips = p.keypoints[[L_HIP, R_HIP], 0].mean()
        return (p.keypoints[:, 0] - hips) / p.height * p.depth

    fa, fb = np.stack([drawn(p) for p in a]), np.stack([drawn(p) for p in b])[:, FLIP]
    tests += [(fa[:, k], fb[:, k]) for k in BODY]
    return min(ks_2samp(x, y).pvalue for x, y in tests), len(tests)


def test_hidden_back_views_are_as_likely_as_the_front_views_of_the_mirrors():
    """No model can beat chance on the left/right of a person hiding the cue: (P, θ) and (Q(P), θ + 180°), which
    render the same pixels with left and right swapped, are equally likely. Every statistic agrees at the 0.1 %
    level (Bonferroni); people who show the cue bend their limbs forward, and the same statistics tell those apart
    from their mirrors at once."""
    p_hidden, n = smallest_p_value(people(hidden_cue=1.0))
    assert p_hidden > 1e-3 / n
    p_visible, _ = smallest_p_value(people(hidden_cue=0.0))
    assert p_visible < 1e-12


def test_generator_hides_the_cue_of_the_asked_share(tmp_path):
    runs = {cue: json.load(open(generate_viewpoint_scenes(str(tmp_path / str(cue)), 'val', 12, 3, hidden_cue=cue)))
            for cue in (0.0, 0.5, 1.0)}
    plain = runs[0.0]
    assert 'hidden_cue' not in plain['info'] and all('cue_visible' not in a for a in plain['annotations'])
    for cue in (0.5, 1.0):
        coco = runs[cue]
        assert coco['info'] == {**plain['info'], 'hidden_cue': cue}
        # the cue comes from its own random stream: the same people, poses and viewpoints
        assert [(a['image_id'], a['viewpoint'], a['yaw']) for a in coco['annotations']] == \
            [(a['image_id'], a['viewpoint'], a['yaw']) for a in plain['annotations']]
        for a in coco['annotations']:
            if not a['cue_visible']:
                assert np.array(a['keypoints']).reshape(17, 3)[FACE].max() == 0, 'eyes and nose unlabelled'
    hidden = [not a['cue_visible'] for a in runs[1.0]['annotations']]
    assert all(hidden) and 0 < np.mean([not a['cue_visible'] for a in runs[0.5]['annotations']]) < 1
    assert any(np.array(a['keypoints']).reshape(17, 3)[FACE, 2].max() > 0 for a in plain['annotations'])
    with pytest.raises(ValueError, match='hidden_cue'):
        generate_viewpoint_scenes(str(tmp_path / 'bad'), 'val', 1, hidden_cue=1.5)


def test_dataset_regenerates_when_hidden_cue_changes(tmp_path):
    init_default_scope('mmpose')
    cfg = dict(type='ViewpointSceneDataset', data_root=str(tmp_path), split='val', num_images=3, data_mode='bottomup',
               test_mode=True, pipeline=[])
    assert all('cue_visible' not in a for a in DATASETS.build(cfg).get_data_info(0)['raw_ann_info'])
    anns = DATASETS.build({**cfg, 'hidden_cue': 1.0}).get_data_info(0)['raw_ann_info']
    assert anns and all(a['cue_visible'] is False for a in anns)


def person(view, x0, cue_visible=None, mirrored=False):
    """An annotation at x0 with shoulders and hips in the order of its viewpoint (or mirrored); ``cue_visible``
    None: without the field."""
    k = np.zeros((17, 3))
    left_x, right_x = (x0 + 10, x0 + 30) if (view == 'back') != mirrored else (x0 + 30, x0 + 10)
    k[[5, 11]] = (left_x, 20, 2)
    k[[6, 12]] = (right_x, 20, 2)
    ann = dict(bbox=[x0, 0, 40, 80], keypoints=k.reshape(-1).tolist(), num_keypoints=4, iscrowd=0, viewpoint=view)
    return ann if cue_visible is None else dict(ann, cue_visible=cue_visible)


def evaluate(anns, comps, mirror=()):
    """The metric on one image whose predictions equal the annotations (mirrored where asked)."""
    kpts = np.stack([np.array(person(a['viewpoint'], a['bbox'][0], mirrored=i in mirror)['keypoints'])
                     .reshape(17, 3)[:, :2] for i, a in enumerate(anns)])
    pred = dict(keypoints=kpts, bboxes=np.array([[a['bbox'][0], 0, a['bbox'][0] + 40, 80] for a in anns], float),
                bbox_scores=np.linspace(0.9, 0.5, len(anns)))
    if comps is not None:
        pred.update(components=np.array(comps), mixture_probs=np.full((len(anns), 3), 1 / 3))
    metric = METRICS.build(dict(type='ViewpointComponentMetric'))
    metric.process([], [dict(raw_ann_info=anns, pred_instances=pred)])
    return metric.evaluate(1)


def test_metric_splits_order_and_agreement_by_cue():
    # cue visible: front -> c0 (no field: visible), back -> c1, both in order; hidden: fronts -> c1, backs -> c0,
    # one back mirrored; a hidden side person counts for neither
    anns = [person('front', 0), person('back', 50, True), person('front', 100, False), person('front', 150, False),
            person('back', 200, False), person('back', 250, False), person('side', 300, False)]
    comps = [0, 1, 1, 1, 0, 0, 2]
    res = evaluate(anns, comps, mirror=(5, ))
    assert res['viewpoint/lr_order'] == pytest.approx(10 / 12)
    assert res['viewpoint/lr_order_visible'] == 1.0 and res['viewpoint/lr_order_hidden'] == pytest.approx(6 / 8)
    assert (res['viewpoint/lr_order_hidden_front'], res['viewpoint/lr_order_hidden_back']) == (1.0, 0.5)
    assert res['viewpoint/lr_order_hidden_balanced'] == pytest.approx(0.75)
    # all: front (1, 2, 0), back (2, 1, 0) -> front c1, back c0: 4 of 6; the visible people under their own
    # assignment (front c0, back c1): 2 of 2 (under the assignment of all: 0 of 2)
    assert res['viewpoint/agreement'] == pytest.approx(4 / 6) and res['viewpoint/agreement_visible'] == 1.0
    assert [res[f'viewpoint/front_c{m}'] for m in range(3)] == [1, 2, 0] and res['viewpoint/side_c2'] == 1

    l1 = evaluate(anns, None, mirror=(5, ))
    assert set(l1) == {f'viewpoint/{k}' for k in ('matched', 'lr_order', 'lr_order_visible', 'lr_order_hidden',
                                                  'lr_order_hidden_front', 'lr_order_hidden_back',
                                                  'lr_order_hidden_balanced')}
    visible = evaluate(anns[:2], [0, 1])
    assert not any(k.endswith(('_visible', '_hidden')) for k in visible) and visible['viewpoint/agreement'] == 1.0


def test_balanced_order_is_chance_for_a_model_that_cannot_tell_hidden_front_from_back():
    """A model giving every hidden person the back view's labelling, on a split of three hidden front people and one
    hidden back person: it orders a quarter of the pairs as annotated, yet it tells nothing of the viewpoint, and the
    balanced order says so (0.5); the model that orders everyone right scores 1 on both."""
    anns = [person(view, 60 * i, False) for i, view in enumerate(('front',) * 3 + ('back',))]
    always_back = evaluate(anns, None, mirror=(0, 1, 2))
    assert always_back['viewpoint/lr_order_hidden'] == pytest.approx(0.25)
    assert always_back['viewpoint/lr_order_hidden_balanced'] == pytest.approx(0.5)
    right = evaluate(anns, None)
    assert right['viewpoint/lr_order_hidden'] == right['viewpoint/lr_order_hidden_balanced'] == 1.0
