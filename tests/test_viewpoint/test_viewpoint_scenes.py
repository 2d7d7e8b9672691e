"""The synthetic two-viewpoint scenes: COCO conventions, mirrored back views, determinism, and the ground truth
scoring AP 1.0 through the registered dataset and mmpose's CocoMetric."""
import filecmp
import json
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, METRICS

from mmpose_mdn.viewpoint import VIEWPOINTS, generate_viewpoint_scenes

L_SHO, R_SHO, L_HIP, R_HIP = 5, 6, 11, 12


@pytest.fixture(scope='module')
def scenes(tmp_path_factory):
    root = tmp_path_factory.mktemp('scenes')
    ann_file = generate_viewpoint_scenes(str(root), 'val', num_images=60, seed=0)
    return root, json.load(open(ann_file))


def test_annotations_follow_coco(scenes):
    _, coco = scenes
    size = coco['images'][0]['width']
    anns = coco['annotations']
    assert {a['viewpoint'] for a in anns} == set(VIEWPOINTS)
    for a in anns:
        k = np.array(a['keypoints']).reshape(17, 3)
        assert set(k[:, 2]) <= {0, 1, 2} and a['num_keypoints'] == (k[:, 2] > 0).sum()
        assert (k[k[:, 2] == 0, :2] == 0).all(), 'unlabelled keypoints are stored as 0, 0, 0'
        x, y, w, h = a['bbox']
        assert 0 <= x and 0 <= y and x + w <= size and y + h <= size and 0 < a['area'] <= w * h
        assert a['iscrowd'] == 0 and a['category_id'] == 1 and a['segmentation']
    vis = np.concatenate([np.array(a['keypoints']).reshape(17, 3)[:, 2] for a in anns])
    assert (vis == 1).mean() > 0.03, 'occluded (labelled, not visible) keypoints occur'
    back = [np.array(a['keypoints']).reshape(17, 3) for a in anns if a['viewpoint'] == 'back']
    assert all(k[:3, 2].max() == 0 for k in back), 'eyes and nose of back views are unlabelled'


def test_back_views_mirror_left_and_right(scenes):
    """The labels are the person's own sides: from the back the left keypoints are on the image's left."""
    _, coco = scenes
    for view, left_is_left in (('back', True), ('front', False)):
        votes = []
        for a in coco['annotations']:
            k = np.array(a['keypoints']).reshape(17, 3)
            if a['viewpoint'] == view:
                votes += [(k[left, 0] < k[right, 0]) == left_is_left for left, right in ((L_SHO, R_SHO),
                                                                                         (L_HIP, R_HIP))
                          if k[left, 2] and k[right, 2]]
        assert len(votes) > 20 and np.mean(votes) > 0.9, (view, np.mean(votes))


def test_same_seed_same_files(tmp_path):
    a, b, c = (generate_viewpoint_scenes(str(tmp_path / d), 'train', num_images=4, seed=s)
               for d, s in (('a', 7), ('b', 7), ('c', 8)))
    assert filecmp.cmp(a, b, shallow=False) and not filecmp.cmp(a, c, shallow=False)
    for i in range(4):
        assert filecmp.cmp(tmp_path / 'a' / 'train' / f'{i:06d}.jpg', tmp_path / 'b' / 'train' / f'{i:06d}.jpg',
                           shallow=False)


def test_concurrent_generation_of_one_root(tmp_path):
    """Four writers of the same root at once (two trainings started on a fresh data_root) leave the files of a
    single writer and no temporary files."""
    ref = generate_viewpoint_scenes(str(tmp_path / 'ref'), 'train', num_images=6, seed=3)
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda _: generate_viewpoint_scenes(str(tmp_path / 'shared'), 'train', 6, 3), range(4)))
    assert filecmp.cmp(ref, outs[0], shallow=False)
    for i in range(6):
        assert filecmp.cmp(tmp_path / 'ref' / 'train' / f'{i:06d}.jpg', tmp_path / 'shared' / 'train' / f'{i:06d}.jpg',
                           shallow=False)
    left = [f for d in ('train', 'annotations') for f in os.listdir(tmp_path / 'shared' / d) if f.endswith('.tmp')]
    assert not left


def test_ground_truth_as_prediction_scores_ap_1(tmp_path):
    """Generated on first use by the registered dataset, read back through mmpose, scored by CocoMetric."""
    init_default_scope('mmpose')
    dataset = DATASETS.build(dict(type='ViewpointSceneDataset', data_root=str(tmp_path), split='val',
                                  num_images=30, seed=1, data_mode='bottomup', test_mode=True, pipeline=[]))
    metric = METRICS.build(dict(type='CocoMetric', ann_file=str(tmp_path / 'annotations' / 'viewpoint_val.json'),
                                score_mode='bbox', nms_mode='none'))
    metric.dataset_meta = dataset.metainfo
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        n = len(info['keypoints'])
        pred = dict(keypoints=info['keypoints'], keypoint_scores=np.ones(info['keypoints'].shape[:2]),
                    bboxes=info['bbox'], bbox_scores=np.ones(n))
        metric.process([], [dict(id=info['id'], img_id=info['img_id'], pred_instances=pred, gt_instances={})])
    assert metric.evaluate(len(dataset))['coco/AP'] == pytest.approx(1.0)
