"""The estimator built from a config dict (mmdet.HourglassNet + CenterNetMDNHead): loss and predict on real
packed COCO batches, and the test-time component rules."""
import numpy as np
import pytest
import torch
from conftest import coco_mini_batch, tiny_estimator_cfg
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

from mmpose_mdn.models.utils import mdn_channels, mdn_parameters, mdn_slices, select_component

INPUT = (128, 128)


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmpose')
    torch.manual_seed(0)


@pytest.mark.parametrize('num_components', [None, 1, 3])
def test_loss_on_real_batch(num_components):
    model = MODELS.build(tiny_estimator_cfg(num_components, INPUT))
    assert type(model.backbone).__name__ == 'HourglassNet' and len(model.head.stacks) == 2
    data = model.data_preprocessor(coco_mini_batch(INPUT, train=True), training=True)
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


@pytest.mark.parametrize('num_components,flip', [(3, False), (3, True), (None, False), (None, True)])
def test_predict_on_real_batch(num_components, flip):
    model = MODELS.build(tiny_estimator_cfg(num_components, INPUT, flip_test=flip)).eval()
    batch = coco_mini_batch(INPUT, train=False)
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
            # each keypoint's std, mapped to the image as sigma is: sigma v_k
            v = model.head.offset_loss.keypoint_sigmas.numpy()
            np.testing.assert_allclose(p.keypoint_sigmas, p.sigmas[:, None] * v[:, None], rtol=1e-5)
        else:
            assert 'keypoint_sigmas' not in p


@pytest.mark.parametrize('cfg', [dict(component=3), dict(component='median'), dict(ignore_components=[0, 1, 2]),
                                 dict(component=1, ignore_components=[1]), dict(sigma_temperature=0),
                                 dict(pi_temperature='1.2'), dict(oks_area_ratio=-1), dict(person_score='oks'),
                                 dict(keypoint_temperatures=[1.0] * 16), dict(keypoint_temperatures=[1.0] * 16 + [0]),
                                 dict(keypoint_temperatures=2.0)])
def test_test_cfg_errors(cfg):
    model = MODELS.build(tiny_estimator_cfg(3, INPUT)).eval()
    model.test_cfg = cfg
    with pytest.raises(ValueError, match='test_cfg'):
        model.test_step(coco_mini_batch(INPUT, train=False, n=1))


@pytest.mark.parametrize('cfg', [dict(sigma_temperature=1.5), dict(person_score='expected_oks'),
                                 dict(keypoint_temperatures=[1.0] * 17)])
def test_l1_head_refuses_the_mixtures_calibration(cfg):
    model = MODELS.build(tiny_estimator_cfg(None, INPUT)).eval()
    model.test_cfg = cfg
    with pytest.raises(ValueError, match=f'test_cfg.{next(iter(cfg))} needs an MDN head'):
        model.test_step(coco_mini_batch(INPUT, train=False, n=1))


def test_temperatures_change_the_reported_uncertainty_only():
    """sigma x T_s; pi = softmax(log pi / T_pi) from the head's own logits; keypoints, components, scores unchanged.
    ``person_score='expected_oks'`` multiplies each centre score by [(1 + sx^2/4A)(1 + sy^2/4A)]^-1/2."""
    model = MODELS.build(tiny_estimator_cfg(3, INPUT)).eval()
    head = model.head
    maps = trained_like_maps(model, coco_mini_batch(INPUT, train=False))
    maps['box_size'] = 5 + maps['box_size'].abs() * 10  # boxes of 5-10 output pixels (the untrained ones are empty)
    plain = head.predict_by_feat(maps, {})
    tempered = head.predict_by_feat(maps, dict(sigma_temperature=1.7, pi_temperature=2.5))
    scored = head.predict_by_feat(maps, dict(person_score='expected_oks', oks_area_ratio=0.4))
    for p, t, s in zip(plain, tempered, scored):
        assert len(p) > 0
        for field in ('keypoints', 'keypoint_scores', 'components', 'bboxes', 'bbox_scores', 'component_keypoints'):
            np.testing.assert_array_equal(getattr(t, field), getattr(p, field), err_msg=field)
        np.testing.assert_allclose(t.sigmas, 1.7 * p.sigmas, rtol=1e-6)
        np.testing.assert_allclose(t.component_sigmas, 1.7 * p.component_sigmas, rtol=1e-6)
        # log pi is log p.mixture_probs up to a constant per person, which the softmax removes
        logits = torch.from_numpy(np.log(p.mixture_probs)).double()
        np.testing.assert_allclose(t.mixture_probs, (logits / 2.5).softmax(-1).numpy(), rtol=1e-4, atol=1e-6)
        assert np.abs(t.mixture_probs - p.mixture_probs).max() > 1e-3  # the untrained mixture is not uniform
        area = 0.4 * (p.bboxes[:, 2] - p.bboxes[:, 0]) * (p.bboxes[:, 3] - p.bboxes[:, 1])
        expected = 1 / np.sqrt((1 + p.sigmas[:, 0] ** 2 / (4 * area)) * (1 + p.sigmas[:, 1] ** 2 / (4 * area)))
        np.testing.assert_allclose(s.bbox_scores, p.bbox_scores * expected, rtol=1e-5)
        assert (s.bbox_scores < p.bbox_scores).all()
        np.testing.assert_array_equal(s.keypoints, p.keypoints)


def test_keypoint_temperatures_scale_each_keypoints_std_only():
    """keypoint_sigmas = sigma v_k t_k (v_k the loss's COCO sigmas), sigma x T_s included; with t_k the expected-OKS
    score is the mean over the keypoints of [(1 + (sx t_k)^2/4A)(1 + (sy t_k)^2/4A)]^-1/2; t_k = 1 gives the shared
    formula's scores; keypoints and components unchanged."""
    model = MODELS.build(tiny_estimator_cfg(3, INPUT)).eval()
    head = model.head
    maps = trained_like_maps(model, coco_mini_batch(INPUT, train=False))
    maps['box_size'] = 5 + maps['box_size'].abs() * 10
    v = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89]) / 10
    t = np.linspace(0.3, 2.0, 17)
    plain = head.predict_by_feat(maps, dict(person_score='expected_oks', oks_area_ratio=0.4))
    ones = head.predict_by_feat(maps, dict(person_score='expected_oks', oks_area_ratio=0.4,
                                           keypoint_temperatures=[1.0] * 17))
    tempered = head.predict_by_feat(maps, dict(person_score='expected_oks', oks_area_ratio=0.4, sigma_temperature=1.5,
                                               keypoint_temperatures=t.tolist()))
    for p, o, k in zip(plain, ones, tempered):
        assert len(p) > 0
        np.testing.assert_allclose(p.keypoint_sigmas, p.sigmas[:, None] * v[:, None], rtol=1e-5)
        np.testing.assert_allclose(o.bbox_scores, p.bbox_scores, rtol=1e-5)
        np.testing.assert_allclose(k.keypoint_sigmas, 1.5 * p.sigmas[:, None] * (v * t)[:, None], rtol=1e-5)
        np.testing.assert_array_equal(k.keypoints, p.keypoints)
        area = 0.4 * (p.bboxes[:, 2] - p.bboxes[:, 0]) * (p.bboxes[:, 3] - p.bboxes[:, 1])
        sx, sy = (1.5 * p.sigmas[:, None, i] * t[None] for i in (0, 1))  # (N, K)
        per_keypoint = 1 / np.sqrt((1 + sx ** 2 / (4 * area[:, None])) * (1 + sy ** 2 / (4 * area[:, None])))
        centre = p.bbox_scores / (1 / np.sqrt((1 + p.sigmas[:, 0] ** 2 / (4 * area))
                                              * (1 + p.sigmas[:, 1] ** 2 / (4 * area))))
        np.testing.assert_allclose(k.bbox_scores, centre * per_keypoint.mean(1), rtol=1e-4)


def trained_like_maps(model, batch):
    """The last stack's maps of a real batch, heatmaps as probabilities (the untrained head's peaks suffice)."""
    data = model.data_preprocessor(batch, training=False)
    with torch.no_grad():
        maps = model.head.forward(model.extract_feat(data['inputs']))[-1]
    return {k: v.sigmoid().clamp(1e-4, 1 - 1e-4) if 'heatmap' in k else v for k, v in maps.items()}


@pytest.mark.parametrize('rule', ['max', 1, 'mean'])
def test_mixture_at_centres_equals_dense_mixture(rule):
    """Evaluating the mixture only at the top-k centres gives the people of evaluating it at every pixel and
    decoding the chosen offsets as an L1 head's."""
    model = MODELS.build(tiny_estimator_cfg(3, INPUT)).eval()
    head = model.head
    maps = trained_like_maps(model, coco_mini_batch(INPUT, train=False))
    preds = head.predict_by_feat(maps, dict(component=rule))
    raw = maps['keypoint_offset']
    dense = select_component(*mdn_parameters(raw.permute(0, 2, 3, 1), 3, 17, head.min_sigma), rule)
    l1_maps = dict(maps, keypoint_offset=dense['offsets'].flatten(3).permute(0, 3, 1, 2))
    for b, (pred, ref) in enumerate(zip(preds, head.decoder.batch_decode(l1_maps))):
        assert len(pred) == len(ref['keypoints']) > 0
        np.testing.assert_allclose(pred.keypoints, ref['keypoints'].numpy(), atol=1e-4)
        np.testing.assert_allclose(pred.keypoint_scores, ref['keypoint_scores'].numpy(), atol=1e-6)
        np.testing.assert_array_equal(pred.components, dense['components'].flatten(1)[b, ref['indices']])


@pytest.mark.parametrize('rule', ['max', 2])
def test_component_fields_agree_with_chosen(rule):
    model = MODELS.build(tiny_estimator_cfg(3, INPUT)).eval()
    model.test_cfg = dict(flip_test=False, component=rule)
    with torch.no_grad():
        samples = model.test_step(coco_mini_batch(INPUT, train=False))
    for s in samples:
        p = s.pred_instances
        n = len(p)
        assert n > 0
        assert p.component_keypoints.shape == (n, 3, 17, 2) and p.component_keypoint_scores.shape == (n, 3, 17)
        assert p.component_sigmas.shape == (n, 3, 2)
        rows = np.arange(n)
        np.testing.assert_array_equal(p.component_keypoints[rows, p.components], p.keypoints)
        np.testing.assert_array_equal(p.component_keypoint_scores[rows, p.components], p.keypoint_scores)
        np.testing.assert_array_equal(p.component_sigmas[rows, p.components], p.sigmas)
        if rule == 2:
            assert (p.components == 2).all()
        # the components differ (else the check above could not tell them apart)
        assert np.abs(p.component_keypoints[:, 0] - p.component_keypoints[:, 1]).max() > 1


def test_prediction_runs_only_the_last_stack():
    model = MODELS.build(tiny_estimator_cfg(3, INPUT)).eval()
    calls = []
    for i, stack in enumerate(model.head.stacks):
        stack.register_forward_hook(lambda *_, i=i: calls.append(i))
        for layer in stack.values():
            layer.register_forward_hook(lambda *_, i=i: calls.append(i))
    with torch.no_grad():
        model.test_step(coco_mini_batch(INPUT, train=False, n=1))
    assert calls and set(calls) == {1}
    feats = [torch.randn(1, 16, 32, 32) for _ in range(2)]
    last = model.head.forward_last(feats)
    for name, maps in model.head.forward(feats)[-1].items():
        torch.testing.assert_close(last[name], maps)


def test_test_cfg_checked_once_per_value():
    head = MODELS.build(tiny_estimator_cfg(3, INPUT)).head.eval()
    checked = []
    check = head.check_test_cfg
    head.check_test_cfg = lambda cfg: (checked.append(dict(cfg)), check(cfg))
    maps = {k: v.sigmoid() if 'heatmap' in k else v
            for k, v in head.forward_last([torch.randn(1, 16, 32, 32)]).items()}  # with autograd on
    cfg = dict(component='max')
    for _ in range(3):
        head.predict_by_feat(maps, cfg)
    cfg['component'] = 1  # changed in place (as a hook may do): checked again
    head.predict_by_feat(maps, cfg)
    assert checked == [dict(component='max'), dict(component=1)]
    with pytest.raises(ValueError, match='test_cfg.component'):
        head.predict_by_feat(maps, dict(component=7))


def test_offset_loss_on_the_last_stack_only():
    """offset_loss_stacks='last' (the official code): the MDN loss is the last stack's alone, the first stack's
    offset branch gets no gradient, and every other loss is the same as with 'all'."""
    cfg = tiny_estimator_cfg(3, INPUT)
    model_all = MODELS.build(cfg)
    cfg['head']['offset_loss_stacks'] = 'last'
    model_last = MODELS.build(cfg)
    model_last.load_state_dict(model_all.state_dict())
    data = model_all.data_preprocessor(coco_mini_batch(INPUT, train=True), training=True)
    head = model_all.head
    outs = head.forward(model_all.extract_feat(data['inputs']))
    targets = head.get_targets(data['data_samples'])
    per_stack = [head.loss_by_feat([out], targets)['loss_mdn'] for out in outs]
    losses_all = head.loss_by_feat(outs, targets)
    losses_last = model_last.head.loss_by_feat(outs, targets)
    torch.testing.assert_close(losses_all['loss_mdn'], (per_stack[0] + per_stack[1]) / 2)
    torch.testing.assert_close(losses_last['loss_mdn'], per_stack[1])
    for key in set(losses_all) - {'loss_mdn'}:
        torch.testing.assert_close(losses_last[key], losses_all[key])
    losses_last['loss_mdn'].backward()
    first, last = (s['keypoint_offset'][-1].weight.grad for s in model_all.head.stacks)
    assert first is not None and first.abs().max() == 0 and last.abs().max() > 0


def test_separate_mixture_branches():
    """mdn_branches='separate' (the official layout): means, sigma and logits from three branches of their own,
    concatenated in mdn_slices' order; start_offset_outputs reaches the right layer for any channel range."""
    cfg = tiny_estimator_cfg(2, INPUT)
    cfg['head']['mdn_branches'] = 'separate'
    model = MODELS.build(cfg)
    parts = model.head.stacks[0]['keypoint_offset'].parts
    assert [parts[n][-1].out_channels for n in ('means', 'sigmas', 'logits')] == [2 * 17 * 2, 2 * 2, 2]
    feats = [torch.randn(1, 16, 4, 5) for _ in range(2)]
    out = model.head.forward(feats)[0]['keypoint_offset']
    expected = torch.cat([parts[n](feats[0]) for n in ('means', 'sigmas', 'logits')], 1)
    torch.testing.assert_close(out, expected)
    values = torch.arange(60, 74, dtype=torch.float32)  # the last means, every sigma and logit: 3 layers
    model.head.start_offset_outputs(slice(60, 74), values)
    for stack_out in model.head.forward(feats):
        torch.testing.assert_close(stack_out['keypoint_offset'][:, 60:74],
                                   values[None, :, None, None].expand(1, 14, 4, 5))
        assert stack_out['keypoint_offset'][:, :60].std() > 0  # the others keep their random start
    with pytest.raises(ValueError, match='mdn_branches'):
        MODELS.build(dict(tiny_estimator_cfg(None, INPUT), head=dict(cfg['head'], num_components=None)))


@pytest.mark.parametrize('branches', ['shared', 'separate'])
def test_offset_features_are_what_the_mixing_logits_read(branches):
    """offset_features: the last stack's offset-branch hidden features (B, feat_channels, H, W), which its output
    1x1 conv turns into forward's mixing logits (with separate branches, the logits' own branch)."""
    cfg = tiny_estimator_cfg(2, INPUT)
    cfg['head']['mdn_branches'] = branches
    head = MODELS.build(cfg).head
    feats = [torch.randn(1, 16, 4, 5) for _ in range(2)]
    hidden = head.offset_features(feats)
    assert hidden.shape == (1, 16, 4, 5) and hidden.min() == 0  # after the ReLU
    logits = mdn_slices(2, 17)['logits']
    layers = head.offset_output_layers()  # every stack's, in stack order
    last_stack = layers[len(layers) - len(layers) // head.num_stacks:]
    conv, first = next((c, f) for c, f in last_stack if f <= logits.start < f + c.out_channels)
    torch.testing.assert_close(conv(hidden)[:, logits.start - first:logits.stop - first],
                               head.forward(feats)[-1]['keypoint_offset'][:, logits])


@pytest.mark.parametrize('mixture', ['flat', 'hierarchical'])
def test_flip_offset_maps_mirror_every_components_pose(mixture):
    """A flipped input's mixture at pixel (y, W-1-x), brought back, is the mixture at (y, x) mirrored: each
    component's keypoint k is its keypoint flip(k) with x negated; sigma and pi (and the classifier) the same.
    Flipping twice gives the maps back."""
    from mmpose.datasets import CocoDataset
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    flip = parse_pose_metainfo(CocoDataset.METAINFO)['flip_indices']
    cfg = tiny_estimator_cfg(4, INPUT)
    cfg['head']['mixture'] = mixture
    head = MODELS.build(cfg).head
    raw = head.forward([torch.randn(1, 16, 3, 5) for _ in range(2)])[-1]['keypoint_offset'].detach()
    back = head.flip_offset_maps(raw, flip)
    for y, x in ((0, 0), (2, 1), (1, 4)):
        means, sigmas, log_pi = head.mixture_parameters(raw[0, :, y, x])
        f_means, f_sigmas, f_log_pi = head.mixture_parameters(back[0, :, y, 4 - x])
        torch.testing.assert_close(f_means, means[:, flip] * torch.tensor([-1.0, 1.0]))
        torch.testing.assert_close((f_sigmas, f_log_pi), (sigmas, log_pi))
    torch.testing.assert_close(head.flip_offset_maps(back, flip), raw)


def test_keypoint_sigmas_of_another_length_than_the_heads_keypoints_fail_when_built():
    """A 14-keypoint head (CrowdPose, AI Challenger) with the MDN loss's default COCO sigmas: the build names both
    numbers and the metainfo file, instead of a shape error in the first loss."""
    cfg = tiny_estimator_cfg(3, INPUT)
    cfg['head']['num_keypoints'] = 14
    with pytest.raises(ValueError,
                       match=r'num_keypoints=14, but its offset_loss has 17 keypoint sigmas from .*coco\.py'):
        MODELS.build(cfg)
    crowdpose = 'configs/_base_/datasets/crowdpose.py'
    cfg['head']['offset_loss'] = dict(type='MDNLoss', metainfo=crowdpose)
    assert MODELS.build(cfg).head.offset_loss.keypoint_sigmas.numel() == 14
