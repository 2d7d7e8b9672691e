"""ViewpointComponentMetric on hand-made predictions: matching, component/viewpoint agreement, left/right order."""
import numpy as np
import pytest
from mmpose.registry import METRICS

from mmpose_mdn.viewpoint import align_components, match_greedy, viewpoint_agreement


def person(view, x0, mirrored=False):
    """An annotation at x0 with shoulders and hips in the order of its viewpoint (or mirrored)."""
    k = np.zeros((17, 3))
    left_x, right_x = (x0 + 10, x0 + 30) if (view == 'back') != mirrored else (x0 + 30, x0 + 10)
    k[[5, 11]] = (left_x, 20, 2)
    k[[6, 12]] = (right_x, 20, 2)
    return dict(bbox=[x0, 0, 40, 80], keypoints=k.reshape(-1).tolist(), num_keypoints=4, iscrowd=0, viewpoint=view)


def sample(anns, comps, mirror=()):
    """Predictions equal to the annotations (mirrored where asked), with the given components (None: L1)."""
    kpts = np.stack([np.array(person(a['viewpoint'], a['bbox'][0], i in mirror)['keypoints']).reshape(17, 3)[:, :2]
                     for i, a in enumerate(anns)])
    pred = dict(keypoints=kpts, bboxes=np.array([[a['bbox'][0], 0, a['bbox'][0] + 40, 80] for a in anns], float),
                bbox_scores=np.linspace(0.9, 0.5, len(anns)))
    if comps is not None:
        pred.update(components=np.array(comps), mixture_probs=np.full((len(anns), 3), 1 / 3))
    return dict(raw_ann_info=anns, pred_instances=pred)


def evaluate(samples):
    metric = METRICS.build(dict(type='ViewpointComponentMetric'))
    metric.process([], samples)
    return metric.evaluate(len(samples))


def test_components_aligned_with_viewpoint():
    anns = [person('front', 0), person('back', 50), person('side', 100), person('front', 150)]
    res = evaluate([sample(anns, [2, 0, 1, 2]), sample(anns[:2], [2, 2])])
    # front -> c2 (3 of 3), back -> c0 (1 of 2): 4 of the 5 front/back people agree
    assert res['viewpoint/agreement'] == pytest.approx(0.8)
    assert res['viewpoint/matched'] == 1.0 and res['viewpoint/lr_order'] == 1.0
    # raw counts per viewpoint and component (the report derives shares)
    assert [res[f'viewpoint/{v}_c{m}'] for v in ('front', 'back', 'side') for m in range(3)] == [0, 0, 3, 1, 0, 1,
                                                                                              0, 1, 0]


def test_l1_predictions_give_matching_and_order_only():
    anns = [person('front', 0), person('back', 50)]
    res = evaluate([sample(anns, None, mirror=(1, ))])
    assert set(res) == {'viewpoint/matched', 'viewpoint/lr_order'} and res['viewpoint/lr_order'] == 0.5


def test_matching_and_assignment():
    gt = np.array([[0, 0, 10, 10], [20, 0, 30, 10]], float)
    # the higher-scored prediction takes the better box first; one without overlap stays unmatched
    pred = np.array([[21, 0, 31, 10], [0, 0, 10, 10], [50, 50, 60, 60]], float)
    assert match_greedy(pred, np.array([0.9, 0.8, 0.95]), gt).tolist() == [1, 0]
    counts = np.array([[1, 8, 1], [7, 0, 3], [5, 5, 0]])
    assert viewpoint_agreement(counts) == pytest.approx(15 / 20)
    assert align_components(counts).tolist() == [1, 0, 2]
    assert viewpoint_agreement(np.array([[6], [4], [0]])) == pytest.approx(0.6)  # one component: one viewpoint
