"""The mixture's one home (mmpose_mdn/models/utils/mdn.py): channel layout, activations and component rules."""
import pytest
import torch

from mmpose_mdn.models.utils import mdn_channels, mdn_parameters, mdn_slices, select_component, sigma_to_raw


def test_channel_layout_and_sigma_inverse():
    M, K, floor = 3, 17, 10.0
    raw = torch.randn(5, mdn_channels(M, K))
    wanted = [10.2, 10.9, 11.0, 14.5, 30.0, 12.0]  # below and above ELU's kink at sigma = 1 + floor
    channels = mdn_slices(M, K)
    raw[:, channels['sigmas']] = torch.tensor([sigma_to_raw(s, floor) for s in wanted])
    means, sigmas, log_pi = mdn_parameters(raw, M, K, floor)
    torch.testing.assert_close(sigmas, torch.tensor(wanted).view(1, M, 2).expand(5, M, 2))
    torch.testing.assert_close(means, raw[:, channels['means']].view(5, M, K, 2))
    torch.testing.assert_close(log_pi, raw[:, channels['logits']].log_softmax(-1))
    with pytest.raises(ValueError, match='min_sigma'):
        sigma_to_raw(floor, floor)
    with pytest.raises(ValueError, match='mdn_channels'):
        mdn_parameters(raw[:, 1:], M, K, floor)


def component_mixture(M=3, K=17, N=4):
    """Mixtures whose means are m+1 for component m and whose pi favours the last one: (N, M, K, 2), sigmas
    (N, M, 2) = m+11, log pi (N, M)."""
    means = torch.arange(1, M + 1, dtype=torch.float32)[None, :, None, None].expand(N, M, K, 2)
    sigmas = torch.arange(11, M + 11, dtype=torch.float32)[None, :, None].expand(N, M, 2)
    logits = torch.arange(M, dtype=torch.float32)
    return means, sigmas, logits.log_softmax(0).expand(N, M), logits.softmax(0)


@pytest.mark.parametrize('rule,ignore,expect', [
    ('max', [], 3.0), (0, [], 1.0), (1, [2], 2.0), ('max', [2], 2.0), ('mean', [], None), ('mean', [0], None)])
def test_component_rules(rule, ignore, expect):
    means, sigmas, log_pi, pi = component_mixture()
    chosen = select_component(means, sigmas, log_pi, rule, ignore)
    kept = torch.tensor([m not in ignore for m in range(3)])
    pi_kept = torch.where(kept, pi, 0) / (pi * kept).sum()
    comp = rule if isinstance(rule, int) else int(pi_kept.argmax())
    if expect is None:
        expect = (pi_kept * torch.tensor([1., 2., 3.])).sum()
    torch.testing.assert_close(chosen['offsets'], torch.full((4, 17, 2), float(expect)))
    torch.testing.assert_close(chosen['mixture_probs'], pi_kept.expand(4, 3))
    assert (chosen['components'] == comp).all()
    torch.testing.assert_close(chosen['sigmas'], torch.full((4, 2), 11.0 + comp))
