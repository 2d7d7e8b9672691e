"""The MDN hooks: the loss schedule's interpolation, and the data-driven start of the head's mixture (k-means
means, maximum-likelihood sigma) holding at every pixel at step 0."""
import numpy as np
import pytest
import torch
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from mmpose_mdn.engine import MDNDataInitHook, MDNLossScheduleHook
from mmpose_mdn.engine.hooks.mdn_data_init_hook import kmeans_offsets, sigma_ml
from mmpose_mdn.models.heads import CenterNetMDNHead
from mmpose_mdn.models.utils import mdn_parameters

FLIP = parse_pose_metainfo(CocoDataset.METAINFO)['flip_indices']


def test_schedule_interpolates_and_holds():
    hook = MDNLossScheduleHook(pi_weight=[(1000, 1.0), (1200, 30.0)], responsibility_floor=[(0, 0.5), (1000, 0)])
    assert hook.values_at(0) == dict(pi_weight=1.0, responsibility_floor=0.5)
    assert hook.values_at(500) == dict(pi_weight=1.0, responsibility_floor=0.25)
    assert hook.values_at(1100) == pytest.approx(dict(pi_weight=15.5, responsibility_floor=0.0))
    assert hook.values_at(10 ** 6) == dict(pi_weight=30.0, responsibility_floor=0.0)


@pytest.mark.parametrize('kwargs', [dict(), dict(pi_weight=[(10, 1.0), (10, 2.0)]), dict(pi_weight=[1.0, 2.0])])
def test_schedule_is_checked(kwargs):
    with pytest.raises(ValueError, match='MDNLossScheduleHook'):
        MDNLossScheduleHook(**kwargs)


def mirrored_people(n=200, seed=0):
    """Offsets of people in two clusters, a pose and its left/right mirror (labels swapped, x negated), at
    scales 4-8 output px with noise; about a third of the keypoints unannotated. Returns the pose too."""
    rng = np.random.default_rng(seed)
    pose = rng.uniform(-1, 1, (17, 2))
    mirror = pose[FLIP] * [-1, 1]
    which = rng.random(n) < 0.3
    scales = rng.uniform(4, 8, n)
    offsets = np.where(which[:, None, None], mirror[None], pose[None]) * scales[:, None, None]
    offsets = offsets + rng.normal(0, 0.05, offsets.shape) * scales[:, None, None]
    weights = (rng.random((n, 17)) > 0.3).astype(np.float64)
    return offsets * weights[..., None], weights, scales, pose, mirror, which


def test_kmeans_finds_the_mirrored_modes_from_offsets_alone():
    offsets, weights, scales, pose, mirror, which = mirrored_people()
    centroids, assign = kmeans_offsets(offsets, weights, scales, 2)
    unit = centroids / np.median(scales)
    m = int(np.linalg.norm(unit[1] - mirror) < np.linalg.norm(unit[0] - mirror))  # the mirror's centroid
    np.testing.assert_allclose(unit[m], mirror, atol=0.05)
    np.testing.assert_allclose(unit[1 - m], pose, atol=0.05)
    assert ((assign == m) == which).all()


@pytest.mark.parametrize('mean_init, sigma_init, branches', [('kmeans', None, 'shared'), (None, 'ml', 'shared'),
                                                            ('kmeans', 'ml', 'shared'), ('kmeans', 'ml', 'separate')])
def test_data_init_sets_the_mixture_at_every_pixel(mean_init, sigma_init, branches):
    offsets, weights, scales, _, _, which = mirrored_people()
    head = CenterNetMDNHead(in_channels=8, feat_channels=8, num_components=2, num_stacks=2, min_sigma=1.0,
                            offset_loss=dict(type='MDNLoss'), mdn_branches=branches)
    values = MDNDataInitHook(mean_init, sigma_init).apply(head, offsets, weights, scales)
    feats = [torch.randn(2, 8, 5, 6) for _ in range(2)]
    for out in head.forward(feats):
        raw = out['keypoint_offset'].permute(0, 2, 3, 1).reshape(-1, 2 * (2 * 17 + 3))
        means, sigmas, log_pi = mdn_parameters(raw, 2, 17, head.min_sigma)
        if mean_init:
            torch.testing.assert_close(means, torch.as_tensor(values['means'], dtype=torch.float32).expand_as(means))
            np.testing.assert_allclose(sorted(values['shares']), sorted([which.mean(), 1 - which.mean()]))
            torch.testing.assert_close(log_pi.exp(), torch.as_tensor(values['shares'], dtype=torch.float32).expand_as(
                log_pi))
        else:
            assert means.std(0).min() > 0, 'means not set keep their random start'
        if sigma_init:
            centres, assign = (values['means'], kmeans_offsets(offsets, weights, scales, 2)[1]) if mean_init else (
                np.zeros((1, 17, 2)), np.zeros(len(offsets), dtype=int))
            v = head.offset_loss.keypoint_sigmas.numpy().astype(np.float64)
            expected = sigma_ml(offsets - centres[assign], weights, v)
            torch.testing.assert_close(sigmas, torch.as_tensor(expected, dtype=torch.float32).expand_as(sigmas))


def test_sigma_ml_is_the_maximum_likelihood_scale():
    """The Gaussian NLL of the residuals under std_k = sigma * v_k is smallest at sigma_ml (per axis)."""
    rng = np.random.default_rng(1)
    v = np.asarray(parse_pose_metainfo(CocoDataset.METAINFO)['sigmas'])
    res, w = rng.normal(0, 2, (50, 17, 2)), (rng.random((50, 17)) > 0.2).astype(float)
    best = sigma_ml(res, w, v)
    nll = lambda s: (w[..., None] * (0.5 * (res / (s * v[:, None])) ** 2 + np.log(s * v[:, None]))).sum((0, 1))  # noqa
    for factor in (0.9, 1.1):
        assert (nll(best * factor) > nll(best)).all()


def test_data_init_refuses_a_sigma_below_the_floor():
    offsets, weights, scales, *_ = mirrored_people()
    head = CenterNetMDNHead(in_channels=8, feat_channels=8, num_components=2, min_sigma=1e4)
    with pytest.raises(ValueError, match='not above the head\'s min_sigma'):
        MDNDataInitHook(sigma_init='ml').apply(head, offsets, weights, scales)


def test_data_start_of_mdn1_on_real_people_is_the_likelihoods_optimum():
    """The start at step 0 on coco_test4's people, against an independent computation: MDN1's means are the
    scale-normalised mean offset (annotated keypoints only) times the median scale, computed here with numpy, and
    sigma is where the mixture NLL (MDNLoss, itself checked against torch.distributions) stops changing: its gradient
    on sigma is 0 at the start."""
    import json

    from conftest import data_dir

    from mmpose_mdn.engine.hooks.mdn_data_init_hook import training_offsets
    ann = json.loads((data_dir('coco_test4') / 'test_coco.json').read_text())
    people = [a for a in ann['annotations'] if a['num_keypoints'] > 0]
    data_list = [dict(img_id=a['image_id'], keypoints=np.reshape(a['keypoints'], (1, 17, 3))[..., :2],
                      keypoints_visible=(np.reshape(a['keypoints'], (1, 17, 3))[..., 2] > 0).astype(float),
                      bbox=np.array([[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2],
                                      a['bbox'][1] + a['bbox'][3]]])) for a in people]
    sizes = {img['id']: (img['height'], img['width']) for img in ann['images']}
    offsets, weights, scales = training_offsets(data_list, sizes, (256, 256), 4)
    assert len(offsets) == 12
    head = CenterNetMDNHead(in_channels=8, feat_channels=8, num_components=1, offset_loss=dict(type='MDNLoss'))
    MDNDataInitHook('kmeans', 'ml').apply(head, offsets, weights, scales)
    raw = head.forward([torch.randn(1, 8, 3, 3)])[0]['keypoint_offset'][0, :, 1, 1]
    means, sigmas, log_pi = mdn_parameters(raw.detach()[None], 1, 17, head.min_sigma)

    normalised = offsets / scales[:, None, None]
    w = weights[..., None]
    expected = (w * normalised).sum(0) / w.sum(0) * np.median(scales)
    np.testing.assert_allclose(means[0, 0].numpy(), expected, rtol=1e-5, atol=1e-4)
    assert log_pi.exp().item() == pytest.approx(1.0)

    sigma = sigmas.clone().requires_grad_(True)  # (1, 1, 2), shared by the 12 people
    target = torch.as_tensor(offsets, dtype=torch.float32)
    loss = head.offset_loss(means.expand(12, 1, 17, 2), sigma.expand(12, 1, 2), log_pi.expand(12, 1), target,
                            torch.as_tensor(weights, dtype=torch.float32))
    (grad, ) = torch.autograd.grad(loss, sigma)
    assert grad.abs().max() < 1e-5 and sigmas.min() > head.min_sigma
    away = head.offset_loss(means.expand(12, 1, 17, 2), 1.2 * sigma.detach().expand(12, 1, 2), log_pi.expand(12, 1),
                            target, torch.as_tensor(weights, dtype=torch.float32))
    assert away > loss  # a minimum, not just a stationary point


def test_data_init_keeps_the_weights_of_a_loaded_checkpoint():
    """The Runner calls after_load_checkpoint when it loads weights (load_from or a resume); before_train then
    leaves the head as loaded (it never reaches the training set: this runner has none)."""
    from types import SimpleNamespace

    from mmengine.logging import MMLogger
    head = CenterNetMDNHead(in_channels=8, feat_channels=8, num_components=2, offset_loss=dict(type='MDNLoss'))
    loaded = {k: v.clone() for k, v in head.state_dict().items()}
    runner = SimpleNamespace(model=SimpleNamespace(head=head), logger=MMLogger.get_current_instance(),
                             train_dataloader=None)
    hook = MDNDataInitHook('kmeans', 'ml')
    hook.after_load_checkpoint(runner, dict(state_dict=loaded))
    hook.before_train(runner)
    assert all(torch.equal(v, loaded[k]) for k, v in head.state_dict().items())
