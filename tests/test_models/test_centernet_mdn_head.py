"""The estimator built from a config dict (mmdet.HourglassNet + CenterNetMDNHead): loss and predict on real
packed COCO batches, and the test-time component rules."""
import numpy as np
import pytest
import torch
from conftest import META_KEYS, data_dir, tiny_estimator_cfg
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, MODELS

from mmpose_mdn.models.losses import mdn_channels

INPUT = (128, 128)


def coco_mini_batch(train: bool, n: int = 2):
    root = data_dir('coco_mini')
    split = 'train2017' if train else 'val2017'
    if train:
        codec = dict(type='CenterNetPose', input_size=INPUT)
        pipeline = [dict(type='LoadImage'), dict(type='BottomupRandomAffine', input_size=INPUT),
                    dict(type='RandomFlip', direction='horizontal'), dict(type='GenerateTarget', encoder=codec),
                    dict(type='PackPoseInputs')]
    else:
        pipeline = [dict(type='LoadImage'),
                    dict(type='BottomupResize', input_size=INPUT, size_factor=32, resize_mode='fit'),
                    dict(type='PackPoseInputs', meta_keys=META_KEYS)]
    ds = DATASETS.build(dict(type='CocoDataset', data_root=str(root), data_mode='bottomup', test_mode=not train,
                             ann_file=f'annotations/person_keypoints_{split}.json',
                             data_prefix=dict(img=f'{split}/'), pipeline=pipeline))
    return pseudo_collate([ds[i] for i in range(n)])


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmpose')
    torch.manual_seed(0)


@pytest.mark.parametrize('num_components', [None, 1, 3])
def test_loss_on_real_batch(num_components):
    model = MODELS.build(tiny_estimator_cfg(num_components, INPUT))
    assert type(model.backbone).__name__ == 'HourglassNet' and len(model.head.stacks) == 2
    data = model.data_preprocessor(coco_mini_batch(train=True), training=True)
    losses = model(**data, mode='loss')
    offset_key = 'loss_offset' if num_components is None else 'loss_mdn'
    assert set(losses) == {'loss_centre', 'loss_kpt_heatmap', 'loss_box_size', 'loss_centre_offset',
                           'loss_kpt_subpixel', offset_key}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    for name, p in model.head.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
    assert model.head.stacks[0]['keypoint_offset'][-1].out_channels == (
        34 if num_components is None else mdn_channels(num_components, 17))


def test_heatmap_bias_prior():
    head = MODELS.build(tiny_estimator_cfg(2, INPUT)).head
    for stack in head.stacks:
        assert torch.all(stack['centre_heatmap'][-1].bias == -2.19)
        assert torch.all(stack['keypoint_heatmaps'][-1].bias == -2.19)


@pytest.mark.parametrize('num_components,flip', [(3, False), (None, False), (None, True)])
def test_predict_on_real_batch(num_components, flip):
    model = MODELS.build(tiny_estimator_cfg(num_components, INPUT, flip_test=flip)).eval()
    batch = coco_mini_batch(train=False)
    with torch.no_grad():
        samples = model.test_step(batch)
    for s in samples:
        p = s.pred_instances
        n = len(p)
        assert p.keypoints.shape == (n, 17, 2) and p.keypoint_scores.shape == (n, 17)
        assert p.bboxes.shape == (n, 4) and p.bbox_scores.shape == (n,)
        h, w = s.ori_shape
        # mapped back to the original image: the (padded) 128x128 input covers more than the image
        assert n == 0 or (np.abs(p.keypoints).max() < 4 * max(h, w))
        if num_components:
            assert p.mixture_probs.shape == (n, 3) and p.components.shape == (n, )
            np.testing.assert_allclose(p.mixture_probs.sum(-1), 1, rtol=1e-5)
            assert p.sigmas.shape == (n, 2) and (p.sigmas >= 10 * 4).all()


def test_mdn_refuses_flip_test():
    model = MODELS.build(tiny_estimator_cfg(2, INPUT, flip_test=True)).eval()
    with pytest.raises(ValueError, match='flip-free'):
        model.test_step(coco_mini_batch(train=False, n=1))


def component_maps(M=3, K=17, H=4, W=4):
    """MDN raw outputs whose means are m+1 everywhere for component m and whose pi favours the last one."""
    means = torch.arange(1, M + 1, dtype=torch.float32)[:, None].expand(M, K * 2).reshape(-1)
    logits = torch.arange(M, dtype=torch.float32)
    raw = torch.cat([means, torch.zeros(M * 2), logits])
    return raw[None, :, None, None].expand(1, -1, H, W).contiguous(), logits.softmax(0)


@pytest.mark.parametrize('rule,ignore,expect', [
    ('max', [], 3.0), (0, [], 1.0), (1, [2], 2.0), ('max', [2], 2.0), ('mean', [], None), ('mean', [0], None)])
def test_component_rules(rule, ignore, expect):
    head = MODELS.build(tiny_estimator_cfg(3, INPUT)).head
    raw, pi = component_maps()
    offsets, mix = head._select_component(raw, dict(component=rule, ignore_components=ignore))
    kept = torch.tensor([m not in ignore for m in range(3)])
    pi_kept = torch.where(kept, pi, 0) / (pi * kept).sum()
    if expect is None:
        expect = (pi_kept * torch.tensor([1., 2., 3.])).sum()
    torch.testing.assert_close(offsets, torch.full_like(offsets, float(expect)))
    torch.testing.assert_close(mix['mixture_probs'][0, 0], pi_kept)


def test_component_rule_errors():
    head = MODELS.build(tiny_estimator_cfg(3, INPUT)).head
    raw, _ = component_maps()
    for cfg in (dict(component=3), dict(component='median'), dict(ignore_components=[0, 1, 2]),
                dict(component=1, ignore_components=[1])):
        with pytest.raises(ValueError):
            head._select_component(raw, cfg)
