"""Pixel errors of two models on the people both match (MDNAnalysis.compare, keypoint_errors), against errors made by
hand: the real coco_test4 people predicted as their annotations moved by known distances."""
import numpy as np
import pytest
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from conftest import SETS, data_dir
from mmpose_mdn.evaluation import MDNAnalysis, Predictions, load_keypoint_annotations
from mmpose_mdn.evaluation.keypoint_ap import matched_rows
from mmpose_mdn.evaluation.keypoint_errors import matched_keypoint_errors, paired_group_errors

META = parse_pose_metainfo(CocoDataset.METAINFO)


def coco_test4():
    folder, ann, _ = SETS['coco_test4']
    path = str(data_dir(folder) / ann)
    return path, load_keypoint_annotations(path)


def moved(data: dict, distance: dict) -> Predictions:
    """One prediction per annotated person ``a`` in ``distance``: its annotation moved by ``distance[a]`` px along
    (0.6, 0.8); its unannotated keypoints 400 px away (OKS ignores them, so must the errors)."""
    samples = []
    for img in data['images']:
        kpts = []
        for a in data['annotations']:
            if a['image_id'] == img['id'] and a['id'] in distance:
                k = np.asarray(a['keypoints'], dtype=float).reshape(-1, 3)
                kpts.append(np.where(k[:, 2:] > 0, k[:, :2] + distance[a['id']] * np.array([0.6, 0.8]), 400.0))
        samples.append(dict(img_id=img['id'], pred_instances=dict(
            keypoints=np.array(kpts).reshape(-1, 17, 2), keypoint_scores=np.ones((len(kpts), 17)),
            bbox_scores=np.linspace(1, 0.5, len(kpts)))))
    return Predictions.from_samples(samples)


def test_matched_errors_mask_unannotated_keypoints_and_unmatched_people():
    keypoints = np.zeros((3, 2, 3))
    keypoints[..., 2] = [[2, 2], [2, 0], [1, 1]]  # annotation 5: its second keypoint unannotated
    predicted = np.array([[[3.0, 4.0, 0.9], [0.0, 1.0, 0.9]], [[1.0, 0.0, 0.2], [9.0, 9.0, 0.2]],
                          [[7.0, 7.0, 0.1], [7.0, 7.0, 0.1]]])
    rows = matched_rows(np.array([5, 0, -1]), [dict(id=0), dict(id=5), dict(id=8)])  # id 0 is an id
    errors = matched_keypoint_errors(keypoints, predicted, rows)
    np.testing.assert_equal(errors, [[1.0, np.hypot(9, 9)], [5.0, np.nan], [np.nan, np.nan]])


def test_two_models_compared_on_the_people_both_match():
    path, data = coco_test4()
    people = [a['id'] for a in data['annotations'] if a['num_keypoints'] > 0]  # 12 (2 have no keypoints)
    ours = {a: 0.2 + 0.1 * i for i, a in enumerate(people)}
    theirs = {a: 0.3 * i for i, a in enumerate(people) if i not in (10, 11)}  # misses the two we err most on
    analysis = MDNAnalysis(path, META, displacements=(1, ), seeds=(0, ), progress=False)
    out = analysis.run(moved(data, ours), other=moved(data, theirs), other_name='L1')
    compared = out['compared']
    assert out['keypoint_groups']['model']['All'] > 0.9 and compared['other_ap'] > 0.7
    assert compared['other'] == 'L1' and compared['people'] == 10
    labelled = {a['id']: np.asarray(a['keypoints']).reshape(-1, 3)[:, 2] > 0 for a in data['annotations']}
    for group, ids in analysis.groups.items():
        both = list(theirs)
        expected = [np.median(np.repeat([d[a] for a in both], [labelled[a][ids].sum() for a in both]))
                    for d in (ours, theirs)]
        assert [compared['groups'][group][m] for m in ('model', 'other')] == pytest.approx(expected), group
    # a model compared with itself: the people it matches, equal errors
    alone = analysis.run(moved(data, ours), other=moved(data, ours))['compared']
    assert alone['people'] == 12 and all(e['model'] == e['other'] for e in alone['groups'].values())
    foreign = moved(data, theirs)
    foreign.image_ids = foreign.image_ids + 10 ** 9  # predictions of another dataset
    with pytest.raises(ValueError, match=r'L1\.pkl hold people of 4 image ids that are not in .*test_coco\.json'):
        analysis.run(moved(data, ours), other=foreign, other_name='L1.pkl')


def test_paired_medians_skip_groups_nobody_has():
    ours = np.array([[1.0, np.nan], [2.0, np.nan], [np.nan, np.nan]])
    theirs = np.array([[4.0, np.nan], [np.nan, np.nan], [5.0, np.nan]])
    out = paired_group_errors(ours, theirs, {'a': [0], 'b': [1]})
    assert out['people'] == 1 and out['groups']['a'] == dict(model=1.0, other=4.0)
    assert np.isnan(out['groups']['b']['model']) and np.isnan(out['groups']['b']['other'])
