"""Your own keypoints, end to end, as the README's recipe: a 5-keypoint dataset made from coco_mini (nose,
shoulders, hips) with its own metainfo file, and a config of five changed lines, through train -> test -> demo ->
analysis with the real tools; and each slice (CrowdPose with its crowd metric, AI Challenger, OCHuman) trained,
scored and drawn."""
import json
import textwrap

import numpy as np
import pytest

from conftest import ROOT, call_tool, coco_mini_copy, data_dir, data_options, load_script

KEEP = ['nose', 'left_shoulder', 'right_shoulder', 'left_hip', 'right_hip']
COCO_IDS = [0, 5, 6, 11, 12]
METAINFO = '''\
dataset_info = dict(
    dataset_name='coco5',
    keypoint_info={
        0: dict(name='nose', id=0, color=[51, 153, 255], type='upper', swap=''),
        1: dict(name='left_shoulder', id=1, color=[0, 255, 0], type='upper', swap='right_shoulder'),
        2: dict(name='right_shoulder', id=2, color=[255, 128, 0], type='upper', swap='left_shoulder'),
        3: dict(name='left_hip', id=3, color=[0, 255, 0], type='lower', swap='right_hip'),
        4: dict(name='right_hip', id=4, color=[255, 128, 0], type='lower', swap='left_hip'),
    },
    skeleton_info={
        0: dict(link=('left_shoulder', 'right_shoulder'), id=0, color=[51, 153, 255]),
        1: dict(link=('left_shoulder', 'left_hip'), id=1, color=[0, 255, 0]),
        2: dict(link=('right_shoulder', 'right_hip'), id=2, color=[255, 128, 0]),
        3: dict(link=('left_hip', 'right_hip'), id=3, color=[51, 153, 255]),
    },
    joint_weights=[1.0, 1.0, 1.0, 1.0, 1.0],
    sigmas=[0.026, 0.079, 0.079, 0.107, 0.107])
'''
CONFIG = '''\
_base_ = ['{root}/configs/mdn/hg-tiny_mdn3_coco-mini.py']
keypoints = '{meta}'
data_root = '{data}/'
model = dict(head=dict(num_keypoints=5, offset_loss=dict(metainfo=keypoints)))
train_dataloader = dict(dataset=dict(data_root=data_root, metainfo=dict(from_file=keypoints)))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=dict(from_file=keypoints)))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
'''


def five_keypoint_dataset(root):
    """coco_mini's first 8 train and 5 val images with their people's 5 keypoints, as a user would cut them."""
    coco_mini_copy(root, train=8, val=5)
    for split in ('train2017', 'val2017'):
        path = root / 'annotations' / f'person_keypoints_{split}.json'
        coco = json.loads(path.read_text())
        coco['categories'][0].update(keypoints=KEEP, skeleton=[[2, 3], [2, 4], [3, 5], [4, 5]])
        for a in coco['annotations']:
            k = np.array(a['keypoints']).reshape(17, 3)[COCO_IDS]
            a.update(keypoints=k.reshape(-1).tolist(), num_keypoints=int((k[:, 2] > 0).sum()))
        path.write_text(json.dumps(coco))


@pytest.fixture(scope='module')
def five(tmp_path_factory):
    """The dataset, its metainfo, its config and a model trained on it for 2 epochs (4 iterations)."""
    tmp = tmp_path_factory.mktemp('five')
    five_keypoint_dataset(tmp / 'coco5')
    (tmp / 'coco5_meta.py').write_text(METAINFO)
    config = tmp / 'hg-tiny_mdn3_coco5.py'
    config.write_text(CONFIG.format(root=ROOT, meta=tmp / 'coco5_meta.py', data=tmp / 'coco5'))
    call_tool('tools/misc/check_dataset.py', config)
    call_tool('tools/train.py', config, '--work-dir', tmp / 'work', '--cfg-options', 'train_cfg.max_epochs=2',
              'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2', 'randomness.seed=0')
    return tmp, config, tmp / 'work' / 'epoch_2.pth'


def test_five_keypoints_train_test_demo_and_analysis(five):
    tmp, config, checkpoint = five
    call_tool('tools/test.py', config, checkpoint, '--work-dir', tmp / 'test')
    logs = '\n'.join(p.read_text() for p in (tmp / 'test').rglob('*.log'))
    assert 'Epoch(test)' in logs and 'coco/AP:' in logs
    demo = load_script('demo/image_demo.py')
    photos = sorted((tmp / 'coco5' / 'val2017').glob('*.jpg'))[:1]
    assert demo.main([str(photos[0]), str(config), str(checkpoint), '--out-file', str(tmp / 'demo' / 'vis.jpg'),
                      '--save-predictions', '--bbox-thr', '0', '--device', 'cpu']) == 0
    people = json.loads((tmp / 'demo' / f'{photos[0].stem}.json').read_text())
    assert len(people) == 100 and np.shape(people[0]['keypoints']) == (5, 2)
    assert np.shape(people[0]['keypoint_sigma']) == (5, 2)
    v = [0.026, 0.079, 0.079, 0.107, 0.107]
    np.testing.assert_allclose(np.array(people[0]['keypoint_sigma']) / np.array(people[0]['sigma']), np.tile(
        np.array(v)[:, None], (1, 2)), rtol=1e-6)  # sigma * v_k with this dataset's sigmas
    call_tool('tools/analysis/mdn_analysis.py', config, checkpoint, '--out-dir', tmp / 'analysis', '--seeds', '0',
              '--displacements', '1')
    analysis = json.loads(next((tmp / 'analysis').rglob('analysis.json')).read_text())
    assert list(analysis['keypoint_groups']['model']) == ['All', 'Nose', 'Shoulders', 'Hips']
    assert 'visible_face' in analysis['ablations']['full']  # a nose: the face subsets exist


@pytest.mark.parametrize('config, folder, metric, num_keypoints', [
    ('configs/mdn/hg-tiny_mdn3_crowdpose-test.py', 'crowdpose_test', 'crowdpose/AP(H):', 14),
    ('configs/mdn/hg-tiny_mdn3_aic-test.py', 'aic_test', 'coco/AP:', 14),
    ('configs/mdn/hg-tiny_mdn3_ochuman-test3.py', 'ochuman_test3', 'coco/AP:', 17)])
def test_each_slice_trains_scores_and_draws(config, folder, metric, num_keypoints, tmp_path):
    """A few iterations on each slice's config (OCHuman's trains on coco_mini and is scored on OCHuman), its val
    metric in the log, and the demo drawing its skeleton on one of the slice's photos."""
    import cv2
    data_dir(folder)
    options = data_options(config)
    call_tool('tools/train.py', config, '--work-dir', tmp_path, '--cfg-options', *options,
              'train_dataloader.dataset.indices=4', 'train_cfg.max_epochs=1',  # 1 iteration
              'train_cfg.val_interval=1', 'default_hooks.checkpoint.interval=1', 'randomness.seed=0')
    logs = '\n'.join(p.read_text() for p in tmp_path.rglob('*.log'))
    assert 'Epoch(val) [1]' in logs and metric in logs
    demo = load_script('demo/image_demo.py')
    photo = sorted(data_dir(folder).glob('*.jpg'))[0]
    assert demo.main([str(photo), str(ROOT / config), str(tmp_path / 'epoch_1.pth'), '--cfg-options', *options,
                      '--out-file',
                      str(tmp_path / 'vis.jpg'), '--save-predictions', '--bbox-thr', '0', '--draw-bbox',
                      '--device', 'cpu']) == 0
    people = json.loads((tmp_path / f'{photo.stem}.json').read_text())
    assert np.shape(people[0]['keypoints']) == (num_keypoints, 2)
    drawn, original = cv2.imread(str(tmp_path / 'vis.jpg')), cv2.imread(str(photo))
    assert drawn.shape == original.shape and (drawn != original).any()
