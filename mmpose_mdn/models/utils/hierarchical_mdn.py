"""The hierarchical mixture of the paper's Sec. 4.4: a binary classifier chooses between two full MDN branches.

How eq. 7 is read here (from its description, "a binary classifier choosing between two separate full MDN branches,
not directly supervised"; the paper's text was not at hand when this was written, so the reading below is ours and
so is the branches' size, M/2 components each, e.g. 2 in ``hmdn4`` beside MDN2). A person's offsets o (K, 2) get
the density

.. math::
    p(o) = \\sum_{b=1}^{2} \\rho_b \\sum_{m=1}^{M_b} \\pi_{b,m}\\,
        \\mathcal{N}(o;\\ \\mu_{b,m},\\ \\mathrm{diag}(\\sigma_{b,m} v)^2),
    \\qquad \\rho_1 = \\mathrm{sigmoid}(g),\\ \\rho_2 = 1 - \\rho_1,

where each branch b is a full MDN (its own means, sigma and mixing weights pi_b from a branch of its own) and g is
the binary classifier's logit. The classifier has no target of its own ("not directly supervised"): it learns
only through the NLL of p, which equals the NLL of the flat mixture of M = 2 M_b components with weights
rho_b pi_{b,m}, so :class:`MDNLoss` trains it unchanged. At test time the classifier decides first (the branch of
larger rho, i.e. the larger total weight), then the branch's own mixing weights (:func:`select_component` with
``branches=2``); with M_b = 1 this is the flat mixture's largest weight.

Raw outputs (..., M*(2K+3) + 1): the flat layout of :func:`mdn_slices` for all M components, branch 1 owning
components 0..M_b-1 and branch 2 the rest, then the classifier's logit g.
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .mdn import mdn_channels, mdn_parameters

BRANCHES = 2


def hierarchical_channels(num_components: int, num_keypoints: int) -> int:
    """Output channels of the hierarchical offset branch: the flat mixture's plus the classifier's logit."""
    return mdn_channels(num_components, num_keypoints) + 1


def hierarchical_parameters(raw: Tensor, num_components: int, num_keypoints: int,
                            min_sigma: float) -> Tuple[Tensor, Tensor, Tensor]:
    """Split raw hierarchical outputs (..., M*(2K+3) + 1) into the flat mixture's parameters.

    Returns:
        means (..., M, K, 2); sigmas (..., M, 2) as :func:`mdn_parameters`; log_pi (..., M) = log rho_b +
        log pi_{b,m}, with pi_b the softmax of branch b's logits and log rho = (logsigmoid(g), logsigmoid(-g)).
    """
    M, K = num_components, num_keypoints
    if M % BRANCHES:
        raise ValueError(f'a hierarchical mixture splits its components between {BRANCHES} branches: M={M} is odd')
    if raw.shape[-1] != hierarchical_channels(M, K):
        raise ValueError(f'hierarchical MDN outputs have {raw.shape[-1]} channels, M={M} components of K={K} '
                         f'keypoints need {hierarchical_channels(M, K)} (hierarchical_channels)')
    means, sigmas, _ = mdn_parameters(raw[..., :-1], M, K, min_sigma)
    logits = raw[..., -1 - M:-1].unflatten(-1, (BRANCHES, M // BRANCHES))
    g = raw[..., -1:]
    log_rho = torch.cat([F.logsigmoid(g), F.logsigmoid(-g)], dim=-1)  # (..., 2)
    log_pi = (log_rho[..., None] + F.log_softmax(logits, dim=-1)).flatten(-2)
    return means, sigmas, log_pi
