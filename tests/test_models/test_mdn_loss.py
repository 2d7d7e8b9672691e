"""MDNLoss against an independent mixture built from torch.distributions."""
import pytest
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal

from mmpose_mdn.models.losses import MDNLoss
from mmpose_mdn.models.utils import mdn_parameters

COCO_SIGMAS = torch.tensor([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89,
                            .89]) / 10.0


def reference_nll(means, sigmas, log_pi, target, weights):
    """Mean over persons with >= 1 annotated keypoint of -log p(target), each person's own keypoint subset."""
    nlls = []
    for n in range(means.shape[0]):
        keep = weights[n] > 0
        if not keep.any():
            continue
        scale = sigmas[n][:, None, :] * COCO_SIGMAS[keep][None, :, None]  # (M, K', 2)
        comp = Independent(Normal(means[n][:, keep], scale), 2)
        mix = MixtureSameFamily(Categorical(logits=log_pi[n]), comp)
        nlls.append(-mix.log_prob(target[n][keep]))
    return torch.stack(nlls).mean()


def random_inputs(M, N=6, K=17, seed=0):
    g = torch.Generator().manual_seed(seed)
    raw = torch.randn(N, M * (2 * K + 3), generator=g) * 3
    means, sigmas, log_pi = mdn_parameters(raw, M, K, min_sigma=10.0)
    target = torch.randn(N, K, 2, generator=g) * 20
    weights = (torch.rand(N, K, generator=g) > 0.3).float()
    weights[1] = 0  # a person without annotated keypoints is dropped
    return means.double(), sigmas.double(), log_pi.double(), target.double(), weights.double()


@pytest.mark.parametrize('beta', [0.0, 1.0])
@pytest.mark.parametrize('M', [1, 2, 3])
def test_matches_torch_distributions(M, beta):
    means, sigmas, log_pi, target, weights = random_inputs(M)
    loss = MDNLoss(loss_weight=1.0, beta=beta).double()(means, sigmas, log_pi, target, weights)
    ref = reference_nll(means, sigmas, log_pi, target, weights)
    torch.testing.assert_close(loss, ref, rtol=1e-5, atol=0)


@pytest.mark.parametrize('M', [1, 3])
def test_beta_one_gives_means_a_responsibility_weighted_l2_gradient(M):
    """beta=1: d loss / d mu = loss_weight * r_m * w_k * (mu - o) / N, r_m the posterior of component m under
    torch.distributions; sigma and pi keep the plain NLL's gradients."""
    inputs = random_inputs(M, seed=1)
    grads = {}
    for beta in (0.0, 1.0):
        means, sigmas, log_pi = (t.clone().requires_grad_() for t in inputs[:3])
        MDNLoss(loss_weight=0.5, beta=beta).double()(means, sigmas, log_pi, *inputs[3:]).backward()
        grads[beta] = means.grad, sigmas.grad, log_pi.grad
    means, sigmas, log_pi, target, weights = inputs
    kept = weights.sum(-1) > 0
    expected = torch.zeros_like(means)
    for n in torch.nonzero(kept).flatten():
        keep = weights[n] > 0
        scale = sigmas[n][:, None, :] * COCO_SIGMAS[keep][None, :, None]
        log_lik = Independent(Normal(means[n][:, keep], scale), 2).log_prob(target[n][keep][None])  # (M,)
        r = (log_pi[n] + log_lik).softmax(0)
        expected[n] = 0.5 * r[:, None, None] * weights[n][None, :, None] * (means[n] - target[n]) / kept.sum()
    torch.testing.assert_close(grads[1.0][0], expected)
    torch.testing.assert_close(grads[1.0][1], grads[0.0][1])
    torch.testing.assert_close(grads[1.0][2], grads[0.0][2])
    assert not torch.allclose(grads[1.0][0], grads[0.0][0])


def test_beta_outside_unit_interval_is_refused():
    with pytest.raises(ValueError, match='beta must be in'):
        MDNLoss(beta=2.0)


def test_parameters_respect_sigma_floor_and_simplex():
    raw = torch.randn(4, 3 * 37) * 50
    means, sigmas, log_pi = mdn_parameters(raw, 3, 17, min_sigma=10.0)
    assert means.shape == (4, 3, 17, 2) and sigmas.shape == (4, 3, 2) and log_pi.shape == (4, 3)
    assert (sigmas >= 10.0).all()
    torch.testing.assert_close(log_pi.exp().sum(-1), torch.ones(4))


def test_finite_gradients_at_large_errors():
    raw = torch.randn(5, 3 * 37, requires_grad=True)
    means, sigmas, log_pi = mdn_parameters(raw, 3, 17, min_sigma=10.0)
    target = torch.full((5, 17, 2), 1e4)
    loss = MDNLoss()(means, sigmas, log_pi, target, torch.ones(5, 17))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(raw.grad).all() and raw.grad.abs().sum() > 0


def test_finite_under_fp16_autocast():
    """As in the head under AMP: a layer's fp16 output, cast to float32 before the activations and the NLL, with
    offset errors of 100 output pixels (a person as large as the 128-pixel map). At 1e4 px the sigma gradient
    (~z^2) exceeds fp16's range at the layer's output: AMP's dynamic loss scaling then skips the step."""
    layer = torch.nn.Linear(8, 2 * 37)
    with torch.autocast('cpu', dtype=torch.float16):
        raw = layer(torch.randn(5, 8))
        assert raw.dtype == torch.float16
        means, sigmas, log_pi = mdn_parameters(raw.float(), 2, 17, min_sigma=10.0)
        loss = MDNLoss()(means, sigmas, log_pi, torch.full((5, 17, 2), 100.0), torch.ones(5, 17))
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert torch.isfinite(layer.weight.grad).all() and layer.weight.grad.abs().sum() > 0


def test_no_annotated_person_gives_zero_with_gradient():
    raw = torch.randn(2, 37, requires_grad=True)
    loss = MDNLoss()(*mdn_parameters(raw, 1, 17, 10.0), torch.zeros(2, 17, 2), torch.zeros(2, 17))
    loss.backward()
    assert loss.item() == 0 and raw.grad is not None


def test_keypoint_count_must_match_metainfo():
    means, sigmas, log_pi = mdn_parameters(torch.randn(1, 2 * 14 + 3), 1, 14, 10.0)
    with pytest.raises(ValueError, match='17 keypoint sigmas'):
        MDNLoss()(means, sigmas, log_pi, torch.zeros(1, 14, 2), torch.ones(1, 14))


def posterior_and_likelihood(means, sigmas, log_pi, target, weights):
    """Per kept person, torch.distributions' per-component log-likelihoods l (M,) and the posterior r (M,)."""
    out = []
    for n in torch.nonzero(weights.sum(-1) > 0).flatten():
        keep = weights[n] > 0
        scale = sigmas[n][:, None, :] * COCO_SIGMAS[keep][None, :, None]
        log_lik = Independent(Normal(means[n][:, keep], scale), 2).log_prob(target[n][keep][None])
        out.append((n, log_lik, (log_pi[n] + log_lik).softmax(0)))
    return out


def grads_of(loss, inputs):
    means, sigmas, log_pi = (t.clone().requires_grad_() for t in inputs[:3])
    value = loss.double()(means, sigmas, log_pi, *inputs[3:])
    value.backward()
    return value.detach(), means.grad, sigmas.grad, log_pi.grad


@pytest.mark.parametrize('gate_target', ['posterior', 'likelihood'])
def test_gate_options_change_only_the_gradient_on_log_pi(gate_target):
    """d loss / d log pi_m = -weight * pi_weight * t_m / N with t the posterior or softmax of the likelihoods;
    the loss value and the gradients of the means and sigma stay the NLL's."""
    inputs = random_inputs(3, seed=2)
    plain = grads_of(MDNLoss(loss_weight=0.5), inputs)
    gated = grads_of(MDNLoss(loss_weight=0.5, pi_weight=30.0, gate_target=gate_target), inputs)
    rows = posterior_and_likelihood(*inputs)
    expected = torch.zeros_like(inputs[2])
    for n, log_lik, r in rows:
        t = r if gate_target == 'posterior' else log_lik.softmax(0)
        expected[n] = -0.5 * 30.0 * t / len(rows)
    torch.testing.assert_close(gated[3], expected)
    torch.testing.assert_close(gated[0], plain[0])
    torch.testing.assert_close(gated[1], plain[1])
    torch.testing.assert_close(gated[2], plain[2])


def test_responsibility_floor_relaxes_the_components_gradients():
    """With eps, every component's log-likelihood gets the weight (1 - eps) r_m + eps / M: at beta=1 the means'
    gradient is that weight times w_k (mu - o) / N; the value and the gradient on log pi stay the NLL's."""
    M, eps = 3, 0.4
    inputs = random_inputs(M, seed=3)
    plain = grads_of(MDNLoss(loss_weight=1.0, beta=1.0), inputs)
    relaxed = grads_of(MDNLoss(loss_weight=1.0, beta=1.0, responsibility_floor=eps), inputs)
    means, _, _, target, weights = inputs
    rows = posterior_and_likelihood(*inputs)
    expected = torch.zeros_like(means)
    for n, _, r in rows:
        rf = (1 - eps) * r + eps / M
        expected[n] = rf[:, None, None] * weights[n][None, :, None] * (means[n] - target[n]) / len(rows)
    torch.testing.assert_close(relaxed[1], expected)
    kept = weights.sum(-1) > 0
    assert (relaxed[1][kept].abs().sum((2, 3)) > 0).all(), 'no component of a kept person starves'
    torch.testing.assert_close(relaxed[0], plain[0])
    torch.testing.assert_close(relaxed[3], plain[3])


@pytest.mark.parametrize('kwargs, match', [(dict(pi_weight=-1.0), 'pi_weight must be >= 0'),
                                           (dict(responsibility_floor=1.5), 'responsibility_floor must be in'),
                                           (dict(gate_target='prior'), 'gate_target must be one of')])
def test_gate_options_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MDNLoss(**kwargs)
