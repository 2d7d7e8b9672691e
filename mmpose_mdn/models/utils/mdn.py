"""The mixture density network over a person's keypoint offsets: channel layout, activations, component rules.

One home for the mixture's maths, used by the loss (:class:`MDNLoss`), the head (decoding at the top-k centres),
the data-driven start (:class:`MDNDataInitHook`) and the analyses. Shapes: M components, K keypoints; raw outputs
(..., M*(2K+3)) = M*K*2 means, M*2 sigma, M mixing logits, in that order.
"""
import math
from typing import Dict, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

ComponentRule = Union[str, int]
RULES = ('max', 'mean')


def mdn_channels(num_components: int, num_keypoints: int) -> int:
    """Output channels of an MDN offset branch: M*K*2 means, M*2 sigma and M mixing logits."""
    return num_components * (2 * num_keypoints + 3)


def mdn_slices(num_components: int, num_keypoints: int) -> Dict[str, slice]:
    """The channel ranges of ``means``, ``sigmas`` and ``logits`` in the raw outputs (see the module docstring)."""
    M, K = num_components, num_keypoints
    return dict(means=slice(0, M * K * 2), sigmas=slice(M * K * 2, M * K * 2 + M * 2),
                logits=slice(M * K * 2 + M * 2, M * (2 * K + 3)))


def mdn_parameters(raw: Tensor, num_components: int, num_keypoints: int,
                   min_sigma: float) -> Tuple[Tensor, Tensor, Tensor]:
    """Split raw MDN outputs (..., M*(2K+3)) into mixture parameters.

    Returns:
        means (..., M, K, 2) offsets; sigmas (..., M, 2) = ELU(x) + 1 + ``min_sigma`` > ``min_sigma`` (x and y,
        shared by the keypoints of a person); log_pi (..., M) = log_softmax of the mixing logits.
    """
    M, K = num_components, num_keypoints
    if raw.shape[-1] != mdn_channels(M, K):
        raise ValueError(f'MDN outputs have {raw.shape[-1]} channels, M={M} components of K={K} keypoints need '
                         f'{mdn_channels(M, K)} (mdn_channels)')
    where = mdn_slices(M, K)
    means = raw[..., where['means']].unflatten(-1, (M, K, 2))
    sigmas = F.elu(raw[..., where['sigmas']].unflatten(-1, (M, 2))) + 1 + min_sigma
    return means, sigmas, F.log_softmax(raw[..., where['logits']], dim=-1)


def sigma_to_raw(sigma: float, min_sigma: float) -> float:
    """The raw value x with ELU(x) + 1 + min_sigma = sigma, the inverse of the sigma activation (sigma >
    min_sigma)."""
    if not sigma > min_sigma:
        raise ValueError(f'sigma {sigma:.3g} is not above min_sigma {min_sigma}: the activation cannot reach it')
    x = sigma - 1 - min_sigma
    return float(x if x >= 0 else math.log(sigma - min_sigma))


def check_component_rule(component: ComponentRule, ignore: Sequence[int], num_components: int) -> None:
    """Refuse a rule :func:`select_component` cannot apply, naming the ``test_cfg`` field to fix."""
    M, ignore = num_components, list(ignore)
    if any(not isinstance(m, int) or not 0 <= m < M for m in ignore) or len(set(ignore)) >= M:
        raise ValueError(f'test_cfg.ignore_components={ignore} must name some, not all, of components 0..{M - 1}')
    if isinstance(component, int) and not isinstance(component, bool):
        if not 0 <= component < M or component in ignore:
            raise ValueError(f'test_cfg.component={component} is not one of the kept components of 0..{M - 1} '
                             f'(ignore_components={ignore})')
    elif component not in RULES:
        raise ValueError(f"test_cfg.component must be 'max', 'mean' or a component index, got {component!r}")


def mixture_probs(log_pi: Tensor, ignore: Sequence[int] = ()) -> Tensor:
    """pi (..., M) renormalised over the components not in ``ignore`` (ignored ones get 0)."""
    if len(ignore):
        log_pi = log_pi.clone()
        log_pi[..., list(ignore)] = float('-inf')
    return log_pi.softmax(dim=-1)


def select_component(means: Tensor, sigmas: Tensor, log_pi: Tensor, component: ComponentRule = 'max',
                     ignore: Sequence[int] = (), branches: int = 1) -> Dict[str, Tensor]:
    """Apply a component rule to mixtures (N people; any leading dims work alike).

    Rules: ``'max'`` the kept component of largest pi (with ``branches`` > 1, the components split into that
    many equal, consecutive groups: the group of largest total pi, then its component of largest pi, the
    decision of a hierarchical mixture, :mod:`.hierarchical_mdn`); an int k: component k for every person ("force k");
    ``'mean'``: the pi-weighted mean of the kept means (the chosen component and sigma are those of ``'max'``).
    ``ignore`` removes components before the rule and renormalises pi over the rest ("exclude k"). The
    arguments are those :func:`check_component_rule` accepts (the head checks its ``test_cfg`` once).

    Args:
        means (Tensor): (N, M, K, 2); sigmas (Tensor): (N, M, 2); log_pi (Tensor): (N, M)

    Returns:
        dict: ``offsets`` (N, K, 2), ``components`` (N,) long, ``mixture_probs`` (N, M), ``sigmas`` (N, 2).
    """
    pi = mixture_probs(log_pi, ignore)
    if isinstance(component, int) and not isinstance(component, bool):
        comp = torch.full(pi.shape[:-1], component, dtype=torch.long, device=pi.device)
    elif branches > 1:
        grouped = pi.unflatten(-1, (branches, -1))  # (N, B, M / B)
        group = grouped.sum(-1).argmax(dim=-1)
        within = grouped.gather(-2, group[..., None, None].expand(*group.shape, 1, grouped.shape[-1]))
        comp = group * grouped.shape[-1] + within.squeeze(-2).argmax(dim=-1)
    else:
        comp = pi.argmax(dim=-1)
    if component == 'mean':
        offsets = (pi[..., None, None] * means).sum(dim=-3)
    else:
        offsets = means.gather(-3, comp[..., None, None, None].expand(*comp.shape, 1, *means.shape[-2:]))
        offsets = offsets.squeeze(-3)
    sigma = sigmas.gather(-2, comp[..., None, None].expand(*comp.shape, 1, 2)).squeeze(-2)
    return dict(offsets=offsets, components=comp, mixture_probs=pi, sigmas=sigma)
