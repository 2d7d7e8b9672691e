"""CenterNet multi-pose head whose keypoint-offset branch is an L1 regressor or a mixture density network."""
import copy
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.structures import InstanceData
from mmpose.models.heads.base_head import BaseHead
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.typing import ConfigType, Features, InstanceList, OptConfigType, OptSampleList, Predictions
from torch import Tensor, nn

from ..utils.expected_oks import expected_oks
from ..utils.hierarchical_mdn import BRANCHES, hierarchical_parameters
from ..utils.mdn import (check_component_rule, mdn_channels, mdn_parameters, mdn_slices, mixture_probs,
                         select_component)

HEATMAP_BIAS = -2.19  # sigmoid(-2.19) = 0.1: the focal-loss prior of CenterNet / RetinaNet
OKS_AREA_RATIO = 0.53  # a COCO person's mask area over its box's, the median on coco_mini's training people


def branch(in_channels: int, feat_channels: int, out_channels: int, bias: Optional[float] = None) -> nn.Module:
    """3x3 conv + ReLU + 1x1 conv, CenterNet's output branch."""
    out = nn.Conv2d(feat_channels, out_channels, 1)
    if bias is not None:
        nn.init.constant_(out.bias, bias)
    return nn.Sequential(nn.Conv2d(in_channels, feat_channels, 3, padding=1), nn.ReLU(inplace=True), out)


class SeparateMixtureBranch(nn.Module):
    """The mixture's means, sigma and mixing logits from three :func:`branch` es of their own (the official
    MixtureDenseRegression layout), concatenated in the channel order of :func:`mdn_slices`."""

    def __init__(self, in_channels: int, feat_channels: int, num_components: int, num_keypoints: int):
        super().__init__()
        self.slices = mdn_slices(num_components, num_keypoints)
        self.parts = nn.ModuleDict({name: branch(in_channels, feat_channels, s.stop - s.start)
                                    for name, s in self.slices.items()})

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([self.parts[name](x) for name in self.slices], dim=1)

    def output_layers(self) -> List[Tuple[nn.Conv2d, int]]:
        """Each part's 1x1 output conv with the first raw channel it writes."""
        return [(self.parts[name][-1], s.start) for name, s in self.slices.items()]


class HierarchicalMixtureBranch(nn.Module):
    """The hierarchical mixture's outputs (:mod:`~mmpose_mdn.models.utils.hierarchical_mdn`): two full MDN
    branches, each a 3x3 conv + ReLU of its own with 1x1 output convs for its M/2 components' means, sigma and
    mixing logits, and a binary classifier (:func:`branch`, one logit), concatenated in the channel order of
    :func:`hierarchical_channels`."""

    def __init__(self, in_channels: int, feat_channels: int, num_components: int, num_keypoints: int):
        super().__init__()
        M, K = num_components, num_keypoints
        if M < BRANCHES or M % BRANCHES:
            raise ValueError(f"mixture='hierarchical' splits num_components between {BRANCHES} branches: it must be "
                             f'even and >= {BRANCHES}, got {M}')
        flat, per_branch = mdn_slices(M, K), mdn_slices(M // BRANCHES, K)
        self.hidden = nn.ModuleList(nn.Sequential(nn.Conv2d(in_channels, feat_channels, 3, padding=1),
                                                  nn.ReLU(inplace=True)) for _ in range(BRANCHES))
        self.parts = nn.ModuleDict({name: nn.ModuleList(nn.Conv2d(feat_channels, s.stop - s.start, 1)
                                                        for _ in range(BRANCHES))
                                    for name, s in per_branch.items()})
        self.classifier = branch(in_channels, feat_channels, 1)
        self.first = {name: [flat[name].start + b * (s.stop - s.start) for b in range(BRANCHES)]
                      for name, s in per_branch.items()}
        self.classifier_channel = mdn_channels(M, K)

    def forward(self, x: Tensor) -> Tensor:
        hidden = [layer(x) for layer in self.hidden]
        return torch.cat([conv(h) for convs in self.parts.values() for conv, h in zip(convs, hidden)] +
                         [self.classifier(x)], dim=1)

    def output_layers(self) -> List[Tuple[nn.Conv2d, int]]:
        """Each output conv with the first raw channel it writes."""
        return [(conv, first) for name, convs in self.parts.items() for conv, first in zip(convs, self.first[name])
                ] + [(self.classifier[-1], self.classifier_channel)]


def heatmap_probs(logits: Tensor) -> Tensor:
    """Sigmoid in float32 clamped to [1e-4, 1 - 1e-4], so the focal loss never takes log(0) (fp16 included)."""
    return logits.float().sigmoid().clamp(1e-4, 1 - 1e-4)


def gather(maps: Tensor, indices: Tensor) -> Tensor:
    """Values of (B, C, H, W) maps at flat batch indices b*H*W + y*W + x: (*indices.shape, C). Indexes the maps in
    place: a channels-last copy of the whole maps (and of their gradient) costs more than the loss itself."""
    B, C, H, W = maps.shape
    return maps.flatten(2)[indices // (H * W), :, indices % (H * W)]


def gather_per_keypoint(maps: Tensor, indices: Tensor) -> Tensor:
    """Keypoint k's (x, y) channels 2k, 2k+1 of (B, K*2, H, W) maps at its flat batch index indices[:, k]:
    (P, K, 2)."""
    B, C, H, W = maps.shape
    K = indices.shape[1]
    channels = 2 * torch.arange(K, device=maps.device)[:, None] + torch.arange(2, device=maps.device)  # (K, 2)
    return maps.flatten(2)[(indices // (H * W))[..., None], channels, (indices % (H * W))[..., None]]


@MODELS.register_module()
class CenterNetMDNHead(BaseHead):
    """Person centres, boxes, keypoint heatmaps and per-person keypoint offsets (CenterNet multi-pose), the
    offsets from a mixture density network ("Mixture density networks find viewpoint the dominant factor for
    accurate spatial offset regression") or from plain L1 regression.

    Branches per stack, each :func:`branch`: centre heatmap (1), box size (2), centre offset (2), keypoint
    heatmaps (K), keypoint sub-pixel offsets (K*2, one per keypoint type: see :class:`CenterNetPose`) and
    keypoint offset: K*2 (L1) or M*(2K+3) (MDN: means
    M*K*2, sigma M*2, mixing logits M; see :func:`mdn_parameters`; one more, the classifier's logit, for the
    hierarchical mixture). Heatmap biases start at -2.19.

    With several stacks (the per-stack feature list of an hourglass) each stack has its own branches, the losses
    are averaged over stacks and predictions come from the last one.

    Args:
        in_channels (int): channels of each stack's feature map
        num_keypoints (int): K
        num_components (int, optional): M >= 1 for the MDN offset branch; ``None`` for the L1 base model
        min_sigma (float): floor of the MDN sigma in output pixels. Defaults to 10 (the paper's value)
        feat_channels (int): width of each branch's 3x3 conv. Defaults to 256
        num_stacks (int): stacks with their own branches (the last ``num_stacks`` features). Defaults to 1
        mdn_branches (str): ``'shared'``: means, sigma and logits from one branch (default); ``'separate'``: from
            three (:class:`SeparateMixtureBranch`, the official code's layout)
        mixture (str): ``'flat'``: the paper's MDN (default); ``'hierarchical'``: the hierarchical mixture of its
            Sec. 4.4, a binary classifier choosing between two full MDN branches of M/2 components each
            (:class:`HierarchicalMixtureBranch`, :mod:`~mmpose_mdn.models.utils.hierarchical_mdn`; its
            predictions report the M components with weights rho_b pi_{b,m})
        offset_loss_stacks (str): the stacks whose keypoint offsets are trained: ``'all'`` (default, every loss
            averaged over stacks) or ``'last'`` (the official code's MDN loss on the last stack only; the other
            losses stay on every stack)
        centre_loss, keypoint_heatmap_loss (dict): focal losses on probabilities
        box_size_loss, centre_offset_loss, keypoint_subpixel_loss (dict): L1 losses
        offset_loss (dict, optional): ``MDNLoss`` (weight 0.1) for MDN, ``L1Loss`` (weight 1) for the base model
        decoder (dict): the :class:`CenterNetPose` codec

    ``test_cfg``: ``flip_test`` (CenterNet's flip test, the L1 base model's; MDN predicts in a single, flip-free pass
    and its configs keep it off: for MDN it averages the mixture's raw maps, :meth:`flip_offset_maps`, to measure
    the paper's Sec. 4.5, where flipping lowered MDN's AP),
    ``component`` (``'max'``: the component of largest pi, default; ``'mean'``: the pi-weighted mean of the
    means; an int: that component), ``ignore_components`` (components removed before the rule, pi
    renormalised over the rest) and ``score_thr`` (people kept: centre score >= it; default 0).
    MDN's calibration (``tools/analysis/mdn_analysis.py --fit-out`` fits them): ``sigma_temperature`` T_s
    (reported sigmas x T_s), ``keypoint_temperatures`` t_k (K numbers: keypoint k's reported std sigma v_k t_k
    instead of sigma v_k) and ``pi_temperature`` T_pi (reported pi = softmax(log pi / T_pi)), all 1 by default;
    they change the reported uncertainty, never the keypoints or the chosen component. ``person_score``:
    ``'centre'`` (default, the centre heatmap's score) or ``'expected_oks'``: the centre score x the OKS the
    person's Gaussian predicts, [(1 + sx^2 / 4A)(1 + sy^2 / 4A)]^(-1/2) (with t_k: the mean over the keypoints of
    that with sigma t_k) with A = ``oks_area_ratio`` (default :data:`OKS_AREA_RATIO`) x the predicted box's area.
    """

    def __init__(self,
                 in_channels: int,
                 num_keypoints: int = 17,
                 num_components: Optional[int] = None,
                 min_sigma: float = 10.0,
                 feat_channels: int = 256,
                 num_stacks: int = 1,
                 mdn_branches: str = 'shared',
                 mixture: str = 'flat',
                 offset_loss_stacks: str = 'all',
                 centre_loss: ConfigType = dict(type='FocalHeatmapLoss', loss_weight=1.0),
                 keypoint_heatmap_loss: ConfigType = dict(type='FocalHeatmapLoss', loss_weight=1.0),
                 box_size_loss: ConfigType = dict(type='L1Loss', loss_weight=0.1),
                 centre_offset_loss: ConfigType = dict(type='L1Loss', loss_weight=1.0),
                 keypoint_subpixel_loss: ConfigType = dict(type='L1Loss', loss_weight=1.0),
                 offset_loss: OptConfigType = None,
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg)
        if num_components is not None and num_components < 1:
            raise ValueError(f'num_components must be >= 1 (or None for the L1 base model), got {num_components}')
        if mdn_branches not in ('shared', 'separate') or (mdn_branches == 'separate' and num_components is None):
            raise ValueError(f"mdn_branches must be 'shared' or 'separate' (MDN heads only), got {mdn_branches!r}")
        if mixture not in ('flat', 'hierarchical') or (mixture == 'hierarchical' and (
                num_components is None or mdn_branches != 'shared')):
            raise ValueError(f"mixture must be 'flat' or 'hierarchical' (MDN heads with mdn_branches='shared' only), "
                             f'got {mixture!r}')
        if offset_loss_stacks not in ('all', 'last'):
            raise ValueError(f"offset_loss_stacks must be 'all' or 'last', got {offset_loss_stacks!r}")
        self.offset_loss_stacks = offset_loss_stacks
        self.num_keypoints = K = num_keypoints
        self.num_components = num_components
        self.mixture = mixture
        self.min_sigma = min_sigma
        self.num_stacks = num_stacks
        out_channels = dict(
            centre_heatmap=1,
            box_size=2,
            centre_offset=2,
            keypoint_heatmaps=K,
            keypoint_subpixel_offset=K * 2,
            keypoint_offset=K * 2 if num_components is None else mdn_channels(num_components, K) + (
                mixture == 'hierarchical'))
        self.stacks = nn.ModuleList()
        for _ in range(num_stacks):
            layers = nn.ModuleDict({
                name: branch(in_channels, feat_channels, c, HEATMAP_BIAS if 'heatmap' in name else None)
                for name, c in out_channels.items()})
            if mdn_branches == 'separate':
                layers['keypoint_offset'] = SeparateMixtureBranch(in_channels, feat_channels, num_components, K)
            elif mixture == 'hierarchical':
                layers['keypoint_offset'] = HierarchicalMixtureBranch(in_channels, feat_channels, num_components, K)
            self.stacks.append(layers)

        if offset_loss is None:
            offset_loss = (dict(type='L1Loss', loss_weight=1.0)
                           if num_components is None else dict(type='MDNLoss', loss_weight=0.1))
        self.centre_loss = MODELS.build(centre_loss)
        self.keypoint_heatmap_loss = MODELS.build(keypoint_heatmap_loss)
        self.box_size_loss = MODELS.build(box_size_loss)
        self.centre_offset_loss = MODELS.build(centre_offset_loss)
        self.keypoint_subpixel_loss = MODELS.build(keypoint_subpixel_loss)
        self.offset_loss = MODELS.build(offset_loss)
        sigmas = getattr(self.offset_loss, 'keypoint_sigmas', None)  # a tensor's size only: built on 'meta' too
        if sigmas is not None and sigmas.numel() != K:
            raise ValueError(f'CenterNetMDNHead has num_keypoints={K}, but its offset_loss has {sigmas.numel()} '
                             f'keypoint sigmas from {self.offset_loss.metainfo}: set offset_loss.metainfo to the '
                             'dataset\'s metainfo file (its sigmas, one per keypoint)')
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder is not None else None
        self._checked_test_cfg = None

    @property
    def is_mdn(self) -> bool:
        return self.num_components is not None

    def offset_output_layers(self) -> List[Tuple[nn.Conv2d, int]]:
        """The 1x1 convs that write the keypoint-offset outputs (every stack), each with the first raw channel
        it writes (the channel layout of :func:`mdn_slices` for MDN; (x, y) per keypoint for L1)."""
        return [layer for stack in self.stacks
                for layer in (stack['keypoint_offset'].output_layers()
                              if hasattr(stack['keypoint_offset'], 'output_layers')
                              else [(stack['keypoint_offset'][-1], 0)])]

    def mixture_parameters(self, raw: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """The mixture of raw keypoint-offset outputs (..., C): means (..., M, K, 2), sigmas (..., M, 2) and
        log_pi (..., M) (:func:`mdn_parameters`; for the hierarchical mixture :func:`hierarchical_parameters`,
        log_pi = log rho_b + log pi_{b,m})."""
        parameters = hierarchical_parameters if self.mixture == 'hierarchical' else mdn_parameters
        return parameters(raw, self.num_components, self.num_keypoints, self.min_sigma)

    @torch.no_grad()
    def start_offset_outputs(self, channels: slice, values: Sequence[float]) -> None:
        """Make raw keypoint-offset channels ``channels`` equal ``values`` at every pixel, in every stack: their
        output weights zeroed (they learn from the first step on), their biases set (a data-driven start)."""
        values = torch.as_tensor(values, dtype=torch.float32).flatten()
        if len(range(channels.start, channels.stop)) != values.numel():
            raise ValueError(f'{values.numel()} values for raw channels {channels.start}:{channels.stop}')
        for conv, first in self.offset_output_layers():
            lo, hi = max(channels.start, first), min(channels.stop, first + conv.out_channels)
            if lo < hi:
                conv.weight[lo - first:hi - first] = 0
                conv.bias[lo - first:hi - first] = values[lo - channels.start:hi - channels.start]

    def offset_features(self, feats: Features) -> Tensor:
        """The hidden features (B, feat_channels, H, W) of the last stack's keypoint-offset branch, its 3x3 conv +
        ReLU before the output 1x1 conv: what the offsets and, for MDN, the mixing logits are read from (with
        ``mdn_branches='separate'``, the mixing logits' own branch; for the hierarchical mixture, its classifier's)."""
        layers = self.stacks[-1]['keypoint_offset']
        if isinstance(layers, SeparateMixtureBranch):
            layers = layers.parts['logits']
        elif isinstance(layers, HierarchicalMixtureBranch):
            layers = layers.classifier
        return layers[:-1](feats[-1])

    def forward(self, feats: Features) -> List[Dict[str, Tensor]]:
        """Raw output maps (B, C, H, W) per stack, from the last ``num_stacks`` features."""
        if len(feats) < self.num_stacks:
            raise ValueError(f'CenterNetMDNHead has {self.num_stacks} stacks but got {len(feats)} feature maps')
        return [{name: layer(x)
                 for name, layer in stack.items()}
                for stack, x in zip(self.stacks, feats[-self.num_stacks:])]

    def forward_last(self, feats: Features) -> Dict[str, Tensor]:
        """The last stack's raw maps (B, C, H, W): all that prediction reads, so the other stacks' branches are not
        run at test time."""
        return {name: layer(feats[-1]) for name, layer in self.stacks[-1].items()}

    # ---------------------------------------------------------------- training
    def loss(self, feats: Features, batch_data_samples: OptSampleList, train_cfg: ConfigType = {}) -> dict:
        """Losses of every stack, averaged over stacks (the paper's eq. 6 with the configured weights)."""
        return self.loss_by_feat(self.forward(feats), self.get_targets(batch_data_samples))

    @staticmethod
    def get_targets(batch_data_samples: OptSampleList) -> Dict[str, Tensor]:
        """The batch's :class:`CenterNetPose` targets, people of all images concatenated (P people).

        Returns:
            dict: ``heatmaps`` (B, 1+K, H, W); ``centre_indices`` (P,) and ``keypoint_indices`` (P, K) flat
            indices into the batch's maps, b*H*W + y*W + x; ``box_sizes``, ``centre_offsets`` (P, 2);
            ``keypoint_offsets``, ``keypoint_subpixel_offsets`` (P, K, 2); ``keypoint_weights`` (P, K).
        """
        heatmaps = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        H, W = heatmaps.shape[-2:]
        labels = [d.gt_instance_labels for d in batch_data_samples]
        image_start = torch.cat([torch.full_like(lb.centre_indices, b * H * W) for b, lb in enumerate(labels)])
        targets = {key: torch.cat([lb[key] for lb in labels]).float()
                   for key in ('box_sizes', 'centre_offsets', 'keypoint_offsets', 'keypoint_weights',
                               'keypoint_subpixel_offsets')}
        targets.update(
            heatmaps=heatmaps,
            centre_indices=torch.cat([lb.centre_indices for lb in labels]) + image_start,
            keypoint_indices=torch.cat([lb.keypoint_indices for lb in labels]) + image_start[:, None])
        return targets

    def loss_by_feat(self, outs: List[Dict[str, Tensor]], targets: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """Losses of the stacks' raw maps (:meth:`forward`) against :meth:`get_targets`, averaged over stacks (the
        keypoint-offset loss over the stacks ``offset_loss_stacks`` names)."""
        heatmaps, centre_inds = targets['heatmaps'], targets['centre_indices']
        kpt_offsets, kpt_weights = targets['keypoint_offsets'], targets['keypoint_weights']
        P, K = kpt_weights.shape
        offset_stack_weight = [1 / len(outs)] * len(outs) if self.offset_loss_stacks == 'all' else \
            [0.0] * (len(outs) - 1) + [1.0]  # weight 0 keeps the unused branch in the graph (distributed training)
        losses = dict()
        for out, offset_weight in zip(outs, offset_stack_weight):
            stack_losses = dict(
                loss_centre=self.centre_loss(heatmap_probs(out['centre_heatmap']), heatmaps[:, :1]),
                loss_kpt_heatmap=self.keypoint_heatmap_loss(heatmap_probs(out['keypoint_heatmaps']),
                                                            heatmaps[:, 1:]),
                loss_box_size=self._l1(self.box_size_loss, gather(out['box_size'], centre_inds),
                                       targets['box_sizes']),
                loss_centre_offset=self._l1(self.centre_offset_loss, gather(out['centre_offset'], centre_inds),
                                            targets['centre_offsets']),
                loss_kpt_subpixel=self._l1(
                    self.keypoint_subpixel_loss,
                    gather_per_keypoint(out['keypoint_subpixel_offset'], targets['keypoint_indices']),
                    targets['keypoint_subpixel_offsets'], kpt_weights),
            )
            for k, v in stack_losses.items():
                losses[k] = losses.get(k, 0) + v / len(outs)
            raw = gather(out['keypoint_offset'], centre_inds).float()  # MDN maths in float32 under AMP too
            if self.is_mdn:
                means, sigmas, log_pi = self.mixture_parameters(raw)
                name, value = 'loss_mdn', self.offset_loss(means, sigmas, log_pi, kpt_offsets, kpt_weights)
            else:
                name, value = 'loss_offset', self._l1(self.offset_loss, raw.view(P, K, 2), kpt_offsets,
                                                      kpt_weights)
            losses[name] = losses.get(name, 0) + value * offset_weight
        return losses

    @staticmethod
    def _l1(loss: nn.Module, pred: Tensor, target: Tensor, weights: Optional[Tensor] = None) -> Tensor:
        """The loss on the entries whose weight is > 0 (CenterNet's normalisation by the mask's sum)."""
        if weights is not None:
            keep = weights > 0
            pred, target = pred[keep], target[keep]
        if pred.numel() == 0:
            return pred.sum() * 0
        return loss(pred.float(), target)

    # ---------------------------------------------------------------- inference
    def check_test_cfg(self, test_cfg: ConfigType) -> None:
        """Refuse a ``test_cfg`` this head cannot apply, naming the field to fix (:meth:`predict` and
        :meth:`decode` check a ``test_cfg`` once, not on every call)."""
        if self.decoder is None:
            raise ValueError('CenterNetMDNHead.predict needs a decoder (the CenterNetPose codec): set head.decoder')
        mdn_fields = {'component', 'ignore_components', 'sigma_temperature', 'pi_temperature', 'oks_area_ratio',
                      'keypoint_temperatures'}
        if self.is_mdn:
            check_component_rule(test_cfg.get('component', 'max'), test_cfg.get('ignore_components', []),
                                 self.num_components)
        elif mdn_fields & set(test_cfg) or test_cfg.get('person_score', 'centre') != 'centre':
            raise ValueError(f'test_cfg.{"/".join(sorted(mdn_fields & set(test_cfg))) or "person_score"} needs an '
                             'MDN head (num_components set)')
        for field in ('sigma_temperature', 'pi_temperature', 'oks_area_ratio'):
            value = test_cfg.get(field, 1.0)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f'test_cfg.{field} must be a number > 0, got {value!r}')
        per_keypoint = test_cfg.get('keypoint_temperatures')
        if per_keypoint is not None and not (
                isinstance(per_keypoint, (list, tuple)) and len(per_keypoint) == self.num_keypoints and all(
                    isinstance(t, (int, float)) and not isinstance(t, bool) and t > 0 for t in per_keypoint)):
            raise ValueError(f'test_cfg.keypoint_temperatures must be {self.num_keypoints} numbers > 0 (one per '
                             f'keypoint), got {per_keypoint!r}')
        if per_keypoint is not None and getattr(self.offset_loss, 'keypoint_sigmas', None) is None:
            raise ValueError('test_cfg.keypoint_temperatures needs an offset_loss with keypoint sigmas (MDNLoss)')
        if test_cfg.get('person_score', 'centre') not in ('centre', 'expected_oks'):
            raise ValueError(f"test_cfg.person_score must be 'centre' or 'expected_oks', got "
                             f"{test_cfg['person_score']!r}")

    def _check_once(self, test_cfg: ConfigType) -> None:
        """:meth:`check_test_cfg` unless this ``test_cfg`` (by value) was the last one checked."""
        if test_cfg != self._checked_test_cfg:
            self.check_test_cfg(test_cfg)
            self._checked_test_cfg = copy.deepcopy(test_cfg)

    def predict(self, feats: Features, batch_data_samples: OptSampleList, test_cfg: ConfigType = {}) -> Predictions:
        """Decode people per image from the last stack (or the flip-averaged maps with ``flip_test``)."""
        self._check_once(test_cfg)
        if test_cfg.get('flip_test', False):
            maps = self.flip_average(feats, batch_data_samples[0].metainfo['flip_indices'])
        else:
            maps = self.predict_maps(feats)
        return self.predict_by_feat(maps, test_cfg)

    def predict_maps(self, feats: Features) -> Dict[str, Tensor]:
        """The last stack's maps (B, C, H, W) by branch name, heatmaps as probabilities: what
        :meth:`predict_by_feat` decodes (and what an exported network outputs)."""
        maps = self.forward_last(feats)
        maps['centre_heatmap'] = heatmap_probs(maps['centre_heatmap'])
        maps['keypoint_heatmaps'] = heatmap_probs(maps['keypoint_heatmaps'])
        return maps

    def predict_by_feat(self, maps: Dict[str, Tensor], test_cfg: ConfigType = {}) -> Predictions:
        """People per image scoring >= ``test_cfg.score_thr``, in model-input pixels (the estimator maps them to
        the image).

        Args:
            maps (dict): one stack's output maps (B, C, H, W) by branch name, heatmaps as probabilities

        Returns:
            list[InstanceData]: ``keypoints`` (N, K, 2), ``keypoint_scores`` (N, K), ``bboxes`` (N, 4) xyxy,
            ``bbox_scores`` (N,); for MDN also ``components`` (N,) the chosen component, ``mixture_probs``
            (N, M) pi renormalised over the kept components, ``sigmas`` (N, 2) the chosen component's sigma,
            ``component_keypoints`` (N, M, K, 2) every component's keypoints (decoded and refined as the chosen
            ones), ``component_keypoint_scores`` (N, M, K), ``component_sigmas`` (N, M, 2) and, where the offset
            loss has the keypoint sigmas v_k, ``keypoint_sigmas`` (N, K, 2): each keypoint's std per axis, sigma v_k
            t_k (``test_cfg.keypoint_temperatures``, default 1). Sigma is the mixture's scale in model-input
            pixels.
        """
        return [inst[inst.bbox_scores >= test_cfg.get('score_thr', 0.0)] for inst in self.decode(maps, test_cfg)]

    def decode(self, maps: Dict[str, Tensor], test_cfg: ConfigType = {}) -> InstanceList:
        """Every decoded person per image, in model-input pixels, with the fields of :meth:`predict_by_feat`.

        mmpose's ``BaseHead.decode`` takes a codec's ``(keypoints, scores)`` per image and builds
        ``InstanceData(keypoints, keypoint_scores)``; a CenterNet person also has a box, a box score and, for MDN,
        the mixture's fields, so :meth:`CenterNetPose.batch_decode` returns a dict of them per image, which this
        method (as ``DEKRHead.decode`` does for its codec's extra scores) turns into ``InstanceData``.

        Args:
            maps (dict): one stack's output maps (B, C, H, W) by branch name, heatmaps as probabilities
        """
        self._check_once(test_cfg)
        offset_decoder = partial(self.decode_mixture, test_cfg=test_cfg) if self.is_mdn else None
        people = self.decoder.batch_decode({name: m.float() for name, m in maps.items()}, offset_decoder)
        people = [InstanceData(**{key: value.cpu().numpy() for key, value in image.items() if key != 'indices'})
                  for image in people]
        v, per_keypoint = self.keypoint_sigmas(), test_cfg.get('keypoint_temperatures')
        for inst in people:
            if self.is_mdn and v is not None:
                scale = v * (1.0 if per_keypoint is None else np.asarray(per_keypoint, dtype=np.float32))
                inst.keypoint_sigmas = inst.sigmas[:, None, :] * scale[None, :, None]
            if test_cfg.get('person_score', 'centre') == 'expected_oks':
                box_area = (inst.bboxes[:, 2] - inst.bboxes[:, 0]) * (inst.bboxes[:, 3] - inst.bboxes[:, 1])
                area = box_area * test_cfg.get('oks_area_ratio', OKS_AREA_RATIO)
                expected = expected_oks(inst.sigmas, area) if per_keypoint is None else expected_oks(
                    inst.sigmas, area, per_keypoint, np.ones(inst.keypoints.shape[:2]))
                inst.bbox_scores = inst.bbox_scores * expected.astype(inst.bbox_scores.dtype)
        return people

    def keypoint_sigmas(self) -> Optional[np.ndarray]:
        """(K,) the keypoint sigmas v_k of the offset loss (MDNLoss's, from its metainfo), None without."""
        v = getattr(self.offset_loss, 'keypoint_sigmas', None)
        return None if v is None else v.detach().cpu().numpy()

    def decode_people(self, maps: Dict[str, Tensor], test_cfg: ConfigType = {}) -> Dict[str, Tensor]:
        """Every one of the codec's ``min(decode_topk, H * W)`` candidates per image as (B, N, ...) tensors, best
        first, in model-input pixels, with the fields of :meth:`predict_by_feat` (and ``indices``, the flat centre
        pixels): a decoding whose shapes do not depend on the values, for an exported graph
        (:meth:`CenterNetPose.decode_people`). ``test_cfg.score_thr`` is left to the caller."""
        self._check_once(test_cfg)
        if test_cfg.get('person_score', 'centre') != 'centre':
            raise ValueError(f"test_cfg.person_score={test_cfg['person_score']!r} rescores people after decoding, "
                             "outside the fixed-size decoding: use 'centre'")
        offset_decoder = partial(self.decode_mixture, test_cfg=test_cfg) if self.is_mdn else None
        return self.decoder.decode_people({name: m.float() for name, m in maps.items()}, offset_decoder,
                                          fixed_size=True)

    def decode_mixture(self, raw: Tensor, test_cfg: ConfigType = {}) -> Dict[str, Tensor]:
        """The MDN outputs at the decoded centres (B, k, C) (:meth:`mixture_parameters`) -> ``component_offsets``
        (B, k, M, K, 2), ``components`` (B, k) by ``test_cfg``'s component rule (:func:`select_component`; for the
        hierarchical mixture ``'max'`` is its classifier's branch, then the branch's largest pi), ``offsets``
        (B, k, K, 2) for the rule ``'mean'`` (else the chosen component's are the chosen offsets),
        ``mixture_probs`` (B, k, M) (tempered by ``pi_temperature``), and ``sigmas`` (B, k, 2),
        ``component_sigmas`` (B, k, M, 2) in model-input pixels (times ``sigma_temperature``) (the codec's
        ``offset_decoder``)."""
        means, sigmas, log_pi = self.mixture_parameters(raw)
        chosen = select_component(means, sigmas, log_pi, test_cfg.get('component', 'max'),
                                  test_cfg.get('ignore_components', []),
                                  branches=BRANCHES if self.mixture == 'hierarchical' else 1)
        scale = self.decoder.stride * test_cfg.get('sigma_temperature', 1.0)
        probs = mixture_probs(log_pi / test_cfg.get('pi_temperature', 1.0), test_cfg.get('ignore_components', []))
        decoded = dict(component_offsets=means, components=chosen['components'], mixture_probs=probs,
                       sigmas=chosen['sigmas'] * scale, component_sigmas=sigmas * scale)
        if test_cfg.get('component', 'max') == 'mean':  # else the chosen offsets are one component's
            decoded['offsets'] = chosen['offsets']
        return decoded

    def flip_offset_maps(self, raw: Tensor, flip_indices: List[int]) -> Tensor:
        """Raw keypoint-offset maps (B, C, H, W) of a horizontally flipped input, brought back to the original's
        frame: mirrored in x, x offsets negated, left and right keypoints swapped (each component's means, for MDN);
        MDN's sigma and mixing logits (and the hierarchical classifier's logit) are mirrored only."""
        if not self.is_mdn:
            return flip_heatmaps(raw, flip_indices, flip_mode='offset', shift_heatmap=False)
        M, K = self.num_components, self.num_keypoints
        means = mdn_slices(M, K)['means']
        order = [m * K + k for m in range(M) for k in flip_indices]
        return torch.cat([flip_heatmaps(raw[:, means], order, flip_mode='offset', shift_heatmap=False),
                          raw[:, means.stop:].flip(-1)], dim=1)

    def flip_average(self, feats: Sequence[Features], flip_indices: List[int]) -> Dict[str, Tensor]:
        """Average the original and the horizontally flipped input's maps (CenterNet's flip test): heatmaps,
        box sizes and keypoint offsets (x negated, left/right swapped); sub-pixel offsets from the original."""
        orig, flipped = (self.forward_last(f) for f in feats)
        return dict(
            centre_heatmap=(heatmap_probs(orig['centre_heatmap']) +
                            flip_heatmaps(heatmap_probs(flipped['centre_heatmap']), shift_heatmap=False)) / 2,
            keypoint_heatmaps=(heatmap_probs(orig['keypoint_heatmaps']) + flip_heatmaps(
                heatmap_probs(flipped['keypoint_heatmaps']), flip_indices, shift_heatmap=False)) / 2,
            box_size=(orig['box_size'] + flip_heatmaps(flipped['box_size'], shift_heatmap=False)) / 2,
            keypoint_offset=(orig['keypoint_offset'] + self.flip_offset_maps(flipped['keypoint_offset'],
                                                                              flip_indices)) / 2,
            centre_offset=orig['centre_offset'],
            keypoint_subpixel_offset=orig['keypoint_subpixel_offset'])
