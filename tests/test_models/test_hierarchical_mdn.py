"""The hierarchical mixture (Sec. 4.4): its NLL against an independent computation of eq. 7 from
torch.distributions, the hierarchical decision, and the head option end to end on a real batch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import coco_mini_batch, tiny_estimator_cfg
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal

from mmpose_mdn.engine.hooks import MDNDataInitHook
from mmpose_mdn.models.heads import CenterNetMDNHead
from mmpose_mdn.models.losses import MDNLoss
from mmpose_mdn.models.utils import hierarchical_channels, hierarchical_parameters, select_component

K = 17
COCO_SIGMAS = torch.tensor([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89,
                            .89], dtype=torch.float64) / 10.0


def eq7_nll(raw, target, M, min_sigma=10.0):
    """-log p(o) of eq. 7 per person, read off the raw layout independently: rho = sigmoid(g) and 1 - rho; branch b
    a torch.distributions mixture of its M/2 components (Categorical over its own logits)."""
    N, half = raw.shape[0], M // 2
    means = raw[:, :M * K * 2].reshape(N, M, K, 2)
    sigmas = F.elu(raw[:, M * K * 2:M * K * 2 + 2 * M].reshape(N, M, 2)) + 1 + min_sigma
    logits = raw[:, M * K * 2 + 2 * M:M * (2 * K + 3)]
    rho = torch.sigmoid(raw[:, -1])
    out = []
    for n in range(N):
        terms = []
        for b, weight in enumerate((rho[n], 1 - rho[n])):
            comps = slice(b * half, (b + 1) * half)
            scale = sigmas[n, comps][:, None, :] * COCO_SIGMAS[None, :, None]
            branch = MixtureSameFamily(Categorical(logits=logits[n, comps]),
                                       Independent(Normal(means[n, comps], scale), 2))
            terms.append(torch.log(weight) + branch.log_prob(target[n]))  # log(rho_b p_b(o))
        out.append(-torch.logsumexp(torch.stack(terms), 0))
    return torch.stack(out)


@pytest.mark.parametrize('M', [2, 4])
def test_nll_is_eq7(M):
    g = torch.Generator().manual_seed(M)
    raw = torch.randn(5, hierarchical_channels(M, K), generator=g, dtype=torch.float64) * 2
    target = raw[:, :K * 2].reshape(5, K, 2) + torch.randn(5, K, 2, generator=g, dtype=torch.float64) * 3
    means, sigmas, log_pi = hierarchical_parameters(raw, M, K, 10.0)
    assert means.shape == (5, M, K, 2) and sigmas.shape == (5, M, 2)
    torch.testing.assert_close(log_pi.exp().sum(-1), torch.ones(5, dtype=torch.float64))
    loss = MDNLoss(loss_weight=1.0).double()(means, sigmas, log_pi, target, torch.ones(5, K, dtype=torch.float64))
    torch.testing.assert_close(loss, eq7_nll(raw, target, M).mean(), rtol=1e-6, atol=0)  # float32 v_k in the loss


def test_decision_is_the_classifiers_then_the_branchs():
    """pi = (0.05, 0.40 | 0.30, 0.25): the flat rule takes component 1, the classifier the second branch (0.55),
    then its component 2; with one component a branch the two rules agree."""
    means, sigmas = torch.randn(1, 4, K, 2), torch.rand(1, 4, 2) + 10
    log_pi = torch.tensor([[0.05, 0.40, 0.30, 0.25]]).log()
    assert select_component(means, sigmas, log_pi)['components'].item() == 1
    chosen = select_component(means, sigmas, log_pi, branches=2)
    assert chosen['components'].item() == 2
    torch.testing.assert_close(chosen['offsets'], means[:, 2])
    log_pi = torch.tensor([[0.3, 0.7], [0.6, 0.4]]).log()
    torch.testing.assert_close(select_component(means[:, :2].expand(2, -1, -1, -1), sigmas[:, :2].expand(2, -1, -1),
                                                log_pi, branches=2)['components'], torch.tensor([1, 0]))


def hierarchical_model(M):
    init_default_scope('mmpose')
    torch.manual_seed(0)
    cfg = tiny_estimator_cfg(M, (128, 128))
    cfg['head']['mixture'] = 'hierarchical'
    return MODELS.build(cfg)


def test_head_trains_and_predicts_on_a_real_batch():
    model = hierarchical_model(4)
    head = model.head
    outs = head.forward([torch.randn(1, 16, 8, 9) for _ in range(2)])
    assert all(o['keypoint_offset'].shape == (1, hierarchical_channels(4, K), 8, 9) for o in outs)
    # the output convs write every raw channel exactly once: setting them all makes the output those values
    values = torch.arange(hierarchical_channels(4, K), dtype=torch.float32)
    first_stack = head.offset_output_layers()[:7]  # means, sigmas, logits of each branch and the classifier
    written = sorted(c for conv, first in first_stack for c in range(first, first + conv.out_channels))
    assert written == list(range(hierarchical_channels(4, K)))
    batch = model.data_preprocessor(coco_mini_batch((128, 128), train=True), True)
    losses = model.loss(batch['inputs'], batch['data_samples'])
    assert torch.isfinite(losses['loss_mdn']) and losses['loss_mdn'] > 0
    losses['loss_mdn'].backward()
    classifier = head.stacks[-1]['keypoint_offset'].classifier[-1].weight.grad
    assert classifier is not None and classifier.abs().max() > 0  # the classifier learns from the NLL alone
    head.start_offset_outputs(slice(0, len(values)), values)
    for out in head.forward([torch.randn(1, 16, 8, 9) for _ in range(2)]):
        torch.testing.assert_close(out['keypoint_offset'], values[None, :, None, None].expand(1, -1, 8, 9))
    model.eval()
    batch = model.data_preprocessor(coco_mini_batch((128, 128), train=False), False)
    with torch.no_grad():
        people = model.predict(batch['inputs'], batch['data_samples'])[0].pred_instances
    probs = people.mixture_probs  # rho_b pi_{b,m} of the chosen components' mixtures
    np.testing.assert_allclose(probs.sum(-1), 1, rtol=1e-5)
    branch = probs.reshape(-1, 2, 2).sum(-1).argmax(-1)
    assert (people.components // 2 == branch).all()


def test_data_start_sets_every_component_and_leaves_the_classifier():
    """MDNDataInitHook on the hierarchical head: means and sigma of all M components, each branch's mixing weights
    the k-means shares renormalised over the branch; the classifier keeps its own start."""
    rng = np.random.default_rng(0)
    which = rng.integers(0, 4, 120)  # people around 4 poses, at scales 4-8 output px
    scales = rng.uniform(4, 8, 120)
    offsets = (rng.uniform(-1, 1, (4, K, 2))[which] + rng.normal(0, 0.05, (120, K, 2))) * scales[:, None, None]
    weights = np.ones((120, K))
    head = CenterNetMDNHead(in_channels=8, feat_channels=8, num_components=4, min_sigma=1.0,
                            offset_loss=dict(type='MDNLoss'), mixture='hierarchical')
    values = MDNDataInitHook('kmeans', 'ml').apply(head, offsets, weights, scales)
    raw = head.forward([torch.randn(2, 8, 5, 6)])[0]['keypoint_offset'].permute(0, 2, 3, 1).flatten(0, 2)
    means, sigmas, log_pi = head.mixture_parameters(raw)
    torch.testing.assert_close(means, torch.as_tensor(values['means'], dtype=torch.float32).expand_as(means))
    torch.testing.assert_close(sigmas, torch.as_tensor(values['sigma'], dtype=torch.float32).expand_as(sigmas))
    shares = torch.as_tensor(np.maximum(values['shares'], 1e-3), dtype=torch.float32).reshape(2, 2)
    within = log_pi.exp().reshape(-1, 2, 2)
    torch.testing.assert_close(within / within.sum(-1, keepdim=True), (shares / shares.sum(-1, keepdim=True)).expand_as(
        within))
    assert raw[:, -1].std() > 0  # the classifier's logit still depends on the features


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_components=3, mixture='hierarchical'), 'even'),
    (dict(num_components=None, mixture='hierarchical'), 'mixture'),
    (dict(num_components=2, mixture='hierarchical', mdn_branches='separate'), 'mixture'),
    (dict(num_components=2, mixture='tree'), 'mixture')])
def test_bad_options_name_the_field(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CenterNetMDNHead(in_channels=8, feat_channels=8, **kwargs)
