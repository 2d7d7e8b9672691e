"""Shared fixtures: the real COCO-format data beside the project (../shared/data)."""
import os
from pathlib import Path

import pytest

import mmpose_mdn  # noqa: F401  registers the components, as custom_imports does for configs

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get('MDN_DATA', ROOT.parent / 'shared' / 'data'))


def data_dir(name: str) -> Path:
    """A folder of ../shared/data; skips the test where it is absent, fails in CI (CI=true) instead."""
    path = DATA / name
    if not path.is_dir():
        msg = f'real data {path} is absent (set MDN_DATA to the folder holding coco_mini/, coco_test4/, ...)'
        if os.environ.get('CI', '').lower() == 'true':
            pytest.fail(msg + ' -- CI must have it')
        pytest.skip(msg)
    return path


def tiny_estimator_cfg(num_components=3, input_size=(128, 128), flip_test=False, refine=True):
    """The whole estimator through the registries: a 2-stack mmdet.HourglassNet of tiny widths and our head."""
    codec = dict(type='CenterNetPose', input_size=input_size, stride=4, refine=refine)
    return dict(
        type='BottomupPoseEstimator',
        data_preprocessor=dict(
            type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True),
        backbone=dict(
            type='mmdet.HourglassNet', downsample_times=2, num_stacks=2, stage_channels=(16, 16, 24),
            stage_blocks=(1, 1, 1), feat_channel=16, norm_cfg=dict(type='BN', requires_grad=True)),
        head=dict(type='CenterNetMDNHead', in_channels=16, feat_channels=16, num_keypoints=17,
                  num_components=num_components, num_stacks=2, decoder=codec),
        test_cfg=dict(flip_test=flip_test))


META_KEYS = ('id', 'img_id', 'img_path', 'crowd_index', 'ori_shape', 'img_shape', 'input_size',
             'input_center', 'input_scale', 'flip', 'flip_direction', 'flip_indices', 'raw_ann_info')

# (folder, annotation file, image prefix) of each real set
SETS = {
    'coco_mini': ('coco_mini', 'annotations/person_keypoints_val2017.json', 'val2017/'),
    'coco_test4': ('coco_test4', 'test_coco.json', ''),
    'ochuman_test3': ('ochuman_test3', 'test_ochuman.json', ''),
}
