"""The negative log-likelihood of keypoint offsets under the mixture of :mod:`mmpose_mdn.models.utils.mdn`."""
import math
import os.path as osp
from typing import Optional

import mmpose
import torch
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS
from torch import Tensor, nn

# mmpose's COCO dataset meta file (its keypoint sigmas are the default v_k)
COCO_METAINFO = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_', 'datasets', 'coco.py')


@MODELS.register_module()
class MDNLoss(nn.Module):
    """Negative log-likelihood of keypoint offsets under a mixture of axis-aligned Gaussians.

    For person n with offset targets o (K, 2) and keypoint mask w (K,):

    .. math::
        -\\log \\sum_m \\pi_m \\prod_{k: w_k=1} \\prod_{a\\in\\{x,y\\}}
            \\mathcal{N}(o_{k,a};\\ \\mu_{m,k,a},\\ (\\sigma_{m,a} v_k)^2)

    computed with LogSumExp over m, where v_k are the dataset's keypoint sigmas. Masked keypoints leave both
    the squared error and the normaliser; persons without an annotated keypoint are dropped; the mean over the
    remaining persons is returned. Computed in float32, so it stays finite under fp16 autocast.

    ``beta`` > 0 weights the gradient that reaches the means by the detached variance, ``sg(s)^(2 beta)`` with
    ``s = sigma_{m,a} v_k`` (the weighting of beta-NLL, Seitzer et al., ICLR 2022, here on the means only). The
    plain NLL's mean gradient is ``r_m w_k (mu - o) / s^2``: a head that inflates sigma where it errs stops
    learning the means there. With ``beta=1`` it is ``r_m w_k (mu - o)``, a responsibility-weighted L2. The
    loss value, and the gradients of sigma and pi, do not depend on ``beta``.

    How the gate (pi) and the components share the people is set by three options that, like ``beta``, change
    gradients and never the loss value. With the per-person log-likelihoods l_m and the posterior
    ``r_m = softmax_m(log pi_m + l_m)``, the NLL's gradients are ``-r_m`` on log pi_m and on l_m. Instead:

    - on log pi_m: ``-pi_weight * t_m``, with ``t = r`` (``gate_target='posterior'``, the NLL) or
      ``t = softmax_m(l_m)`` (``'likelihood'``: the gate learns which component fits the person best, without
      the feedback of its own prior into the target that lets one early favourite take every person);
    - on l_m (means and sigma): ``-((1 - eps) r_m + eps / M)`` with ``eps = responsibility_floor`` (relaxed
      winner-takes-all, Rupprecht et al., ICCV 2017): every component keeps learning from every person, so none
      starves; annealing eps to 0 (:class:`MDNLossScheduleHook`) returns to the NLL.

    The hook can schedule ``pi_weight`` and ``responsibility_floor`` over the iterations.

    Args:
        metainfo (str, optional): dataset meta file with ``sigmas`` (v_k), as mmpose's ``OKSLoss`` takes it.
            Defaults to mmpose's COCO file (:data:`COCO_METAINFO`).
        loss_weight (float): Defaults to 0.1 (the paper's eq. 6)
        beta (float): exponent of the means' gradient weighting, in [0, 1]. Defaults to 0 (the paper's NLL)
        pi_weight (float): scale of the gradient reaching the mixing logits, >= 0. Defaults to 1 (the NLL)
        gate_target (str): ``'posterior'`` (the NLL, default) or ``'likelihood'``
        responsibility_floor (float): eps in [0, 1]. Defaults to 0 (the NLL)
    """

    GATE_TARGETS = ('posterior', 'likelihood')

    def __init__(self, metainfo: Optional[str] = None, loss_weight: float = 0.1, beta: float = 0.0,
                 pi_weight: float = 1.0, gate_target: str = 'posterior', responsibility_floor: float = 0.0):
        super().__init__()
        if not 0 <= beta <= 1:
            raise ValueError(f'MDNLoss beta must be in [0, 1], got {beta}')
        if gate_target not in self.GATE_TARGETS:
            raise ValueError(f'MDNLoss gate_target must be one of {self.GATE_TARGETS}, got {gate_target!r}')
        self.metainfo = metainfo or COCO_METAINFO
        sigmas = parse_pose_metainfo(dict(from_file=self.metainfo))['sigmas']
        self.register_buffer('keypoint_sigmas', torch.as_tensor(sigmas, dtype=torch.float32), persistent=False)
        self.loss_weight = loss_weight
        self.beta = beta
        self.gate_target = gate_target
        self.pi_weight = pi_weight
        self.responsibility_floor = responsibility_floor

    @property
    def pi_weight(self) -> float:
        return self._pi_weight

    @pi_weight.setter
    def pi_weight(self, value: float) -> None:
        if not value >= 0:
            raise ValueError(f'MDNLoss pi_weight must be >= 0, got {value}')
        self._pi_weight = float(value)

    @property
    def responsibility_floor(self) -> float:
        return self._responsibility_floor

    @responsibility_floor.setter
    def responsibility_floor(self, value: float) -> None:
        if not 0 <= value <= 1:
            raise ValueError(f'MDNLoss responsibility_floor must be in [0, 1], got {value}')
        self._responsibility_floor = float(value)

    def forward(self, means: Tensor, sigmas: Tensor, log_pi: Tensor, target: Tensor, weights: Tensor) -> Tensor:
        """
        Args:
            means (Tensor): (N, M, K, 2); sigmas (Tensor): (N, M, 2); log_pi (Tensor): (N, M)
            target (Tensor): (N, K, 2) offsets; weights (Tensor): (N, K), 1 for annotated keypoints
        """
        if means.shape[-2] != self.keypoint_sigmas.numel():
            raise ValueError(f'MDNLoss has {self.keypoint_sigmas.numel()} keypoint sigmas from its metainfo, '
                             f'the offsets have {means.shape[-2]} keypoints')
        keep = weights.sum(-1) > 0
        if not keep.any():
            return (means.sum() + sigmas.sum() + log_pi.sum()) * 0
        means, sigmas, log_pi = means[keep].float(), sigmas[keep].float(), log_pi[keep].float()
        target, w = target[keep].float(), weights[keep].float()[:, None, :, None]  # w: (N, 1, K, 1)
        std = sigmas[:, :, None, :] * self.keypoint_sigmas[None, None, :, None]  # (N, M, K, 2)
        if self.beta:  # same values, the means' gradient times sg(std)^(2 beta)
            means = means.detach() + (means - means.detach()) * std.detach().pow(2 * self.beta)
        z = (target[:, None] - means) / std
        log_normal = -0.5 * z.square() - std.log() - 0.5 * math.log(2 * math.pi)
        log_lik = torch.where(w > 0, log_normal * w, 0).sum(dim=(2, 3))  # (N, M)
        nll = -torch.logsumexp(log_pi + log_lik, dim=1)  # (N,)
        if self.pi_weight != 1 or self.gate_target != 'posterior' or self.responsibility_floor:
            # same value; gradients -pi_weight * t on log pi and -r' on the log-likelihoods (see the docstring)
            with torch.no_grad():
                r = (log_pi + log_lik).softmax(dim=1)
                t = r if self.gate_target == 'posterior' else log_lik.softmax(dim=1)
                eps = self.responsibility_floor
                r_floor = (1 - eps) * r + eps / r.shape[1]
            nll = nll.detach() - (self.pi_weight * t * (log_pi - log_pi.detach())).sum(1) - (
                r_floor * (log_lik - log_lik.detach())).sum(1)
        return nll.mean() * self.loss_weight
