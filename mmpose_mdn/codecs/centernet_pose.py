"""CenterNet multi-person pose targets (Zhou et al., "Objects as Points", 2019) and their decoding."""
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmdet.models.utils.gaussian_target import get_topk_from_heatmap
from mmpose.codecs.base import BaseKeypointCodec
from mmpose.registry import KEYPOINT_CODECS
from torch import Tensor

# value of the centre peak of a person without any usable keypoint: just below 1, so the focal loss treats it as
# neither a positive nor (with the (1 - y)^4 weight) a penalised negative -- CenterNet's "ignore" rule
IGNORE_PEAK = 0.9999
# the keypoint-offset channels gathered at the top-k centres (B, k, C) -> offsets and per-person fields
OffsetDecoder = Callable[[Tensor], Dict[str, Tensor]]


def gaussian_radii(heights: np.ndarray, widths: np.ndarray, min_overlap: float) -> np.ndarray:
    """mmdet's ``gaussian_radius`` (CornerNet's rule) of many boxes at once, truncated to int >= 0 as CenterNet
    does: the same float64 operations, so the same radii."""
    h, w = heights.astype(np.float64), widths.astype(np.float64)
    b1, c1 = h + w, w * h * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 - np.sqrt(b1**2 - 4 * c1)) / 2
    b2, c2 = 2 * (h + w), (1 - min_overlap) * w * h
    r2 = (b2 - np.sqrt(b2**2 - 4 * 4 * c2)) / (2 * 4)
    a3, b3, c3 = 4 * min_overlap, -2 * min_overlap * (h + w), (min_overlap - 1) * w * h
    r3 = (b3 + np.sqrt(b3**2 - 4 * a3 * c3)) / (2 * a3)
    return np.maximum(np.trunc(np.minimum(np.minimum(r1, r2), r3)), 0).astype(np.int64)


def draw_gaussians(heatmaps: Tensor, channels: np.ndarray, centres: np.ndarray, radii: np.ndarray,
                   peaks: np.ndarray) -> Tensor:
    """mmdet's ``gen_gaussian_target`` for G Gaussians at once, in place: heatmaps (C, H, W) = the maximum of
    themselves and ``peaks[g] * exp(-(dx^2 + dy^2) / (2 sigma_g^2))`` within ``radii[g]`` of ``centres[g]`` (G, 2)
    (x, y) in channel ``channels[g]``, sigma_g = (2 r_g + 1) / 6, values below float32's eps set to 0."""
    C, H, W = heatmaps.shape
    if not len(radii):
        return heatmaps
    R = int(radii.max())
    steps = torch.arange(-R, R + 1)  # the pixel offsets of the largest kernel
    d = steps.float()
    sigma = (2 * radii + 1) / 6
    denom = torch.from_numpy(2 * sigma * sigma).float()[:, None, None]  # as mmdet's Python float, in float32
    gauss = (-((d * d)[None, :, None] + (d * d)[None, None, :]) / denom).exp()  # (G, dy, dx)
    gauss[gauss < torch.finfo(torch.float32).eps] = 0  # each kernel's maximum is exp(0) = 1
    gauss = gauss * torch.from_numpy(peaks).float()[:, None, None]
    r = torch.from_numpy(radii)[:, None, None]
    x = torch.from_numpy(centres[:, 0])[:, None, None] + steps[None, None, :]
    y = torch.from_numpy(centres[:, 1])[:, None, None] + steps[None, :, None]
    inside = ((steps.abs()[None, None, :] <= r) & (steps.abs()[None, :, None] <= r) & (x >= 0) & (x < W) & (y >= 0)
              & (y < H))
    index = (torch.from_numpy(channels)[:, None, None] * H + y) * W + x
    heatmaps.view(-1).scatter_reduce_(0, index[inside], gauss[inside], 'amax')
    return heatmaps


def local_maximum(heatmaps: Tensor) -> Tensor:
    """The heatmaps (B, C, H, W) where a value is the maximum of its 3x3 neighbourhood, else 0 (mmdet's
    ``get_local_maximum``), with the 3x3 maximum taken as a row then a column maximum: about 25x faster on CPU than
    ``max_pool2d``."""
    padded = F.pad(heatmaps, (1, 1, 1, 1), value=float('-inf'))
    rows = torch.maximum(torch.maximum(padded[..., :-2], padded[..., 1:-1]), padded[..., 2:])
    hmax = torch.maximum(torch.maximum(rows[..., :-2, :], rows[..., 1:-1, :]), rows[..., 2:, :])
    return heatmaps * (hmax == heatmaps)


def gather_at(maps: Tensor, indices: Tensor) -> Tensor:
    """Values of maps (B, C, H, W) at flat pixel indices (B, k): (B, k, C). Unlike mmdet's
    ``transpose_and_gather_feat`` it does not copy the whole maps into channels-last first."""
    B, C = maps.shape[:2]
    return maps.flatten(2).gather(2, indices[:, None].expand(B, C, indices.shape[1])).transpose(1, 2)


@KEYPOINT_CODECS.register_module()
class CenterNetPose(BaseKeypointCodec):
    """Person centres, box sizes and per-person keypoint offsets on a map of ``stride`` (CenterNet multi-pose).

    All targets live on the output map of size ``(W, H) = input_size / stride``; coordinates are divided by the
    stride, ``c`` is the box centre and ``ĉ = floor(c)`` the centre pixel.

    Encoded (N' <= ``max_instances`` regression persons, K keypoints):

    - ``heatmaps`` (1 + K, H, W): channel 0 the person-centre heatmap, a Gaussian at ``ĉ`` with the CornerNet
      radius of the box at ``min_overlap``; channels 1.. the keypoint heatmaps with the same radius
    - ``centre_indices`` (N',): flat index ``ĉ_y * W + ĉ_x``
    - ``box_sizes`` (N', 2): box (w, h); ``centre_offsets`` (N', 2): ``c - ĉ``
    - ``keypoint_offsets`` (N', K, 2): ``p_k - ĉ``; ``keypoint_weights`` (N', K): 1 where keypoint k is annotated
      (visibility > 0) and inside the output map, else 0 (its offset target is then 0)
    - ``keypoint_indices`` (N', K) and ``keypoint_subpixel_offsets`` (N', K, 2): ``floor(p_k)`` as a flat
      index and ``p_k - floor(p_k)``, for the keypoint heatmaps' sub-pixel offsets. Unlike CenterNet's one
      offset map shared by all keypoint types, each type has its own (K*2 channels): with a shared map the
      keypoints of a small face that fall into one output pixel overwrite each other's offset, which costs
      2 AP points on coco_mini even for perfect predictions (the GT oracle test)

    Persons: a box clipped to the map with zero width or height is skipped. A person with no usable keypoint
    (crowd regions, ``num_keypoints == 0``, all keypoints outside the map) gets a centre peak of 0.9999, which
    the focal loss neither rewards nor penalises, and no regression target. Of the others, the
    ``max_instances`` largest boxes get regression targets; any further person still gets its centre and
    keypoint Gaussians, so it is not taught as background, but no offsets (dropping the smallest people
    loses the least supervision, as they cover the fewest pixels and are the most often mislabelled).

    Args:
        input_size (tuple): model input (w, h), used for training targets
        stride (int): output stride. Defaults to 4
        min_overlap (float): IoU of the CornerNet radius rule. Defaults to 0.7
        max_instances (int): people with regression targets per image. Defaults to 32
        decode_topk (int): centre peaks kept by :meth:`decode`. Defaults to 100
        decode_score_thr (float): minimum centre score of a decoded person. Defaults to 0.01
        refine (bool): snap regressed keypoints to keypoint-heatmap peaks (:meth:`decode`). Defaults to True
        refine_score_thr (float): minimum peak score for snapping. Defaults to 0.1
        refine_dist_ratio (float): maximum snapping distance as a share of max(box w, h). Defaults to 0.3
    """

    auxiliary_encode_keys = {'bbox'}
    # PackPoseInputs replaces (does not merge) its default packing tables with these
    field_mapping_table = dict(heatmaps='heatmaps')
    label_mapping_table = dict(
        centre_indices='centre_indices',
        box_sizes='box_sizes',
        centre_offsets='centre_offsets',
        keypoint_offsets='keypoint_offsets',
        keypoint_weights='keypoint_weights',
        keypoint_indices='keypoint_indices',
        keypoint_subpixel_offsets='keypoint_subpixel_offsets',
    )

    def __init__(self,
                 input_size: Tuple[int, int] = (512, 512),
                 stride: int = 4,
                 min_overlap: float = 0.7,
                 max_instances: int = 32,
                 decode_topk: int = 100,
                 decode_score_thr: float = 0.01,
                 refine: bool = True,
                 refine_score_thr: float = 0.1,
                 refine_dist_ratio: float = 0.3):
        super().__init__()
        if input_size[0] % stride or input_size[1] % stride:
            raise ValueError(f'input_size {input_size} must be a multiple of stride {stride}')
        self.input_size = tuple(input_size)
        self.stride = stride
        self.heatmap_size = (input_size[0] // stride, input_size[1] // stride)
        self.min_overlap = min_overlap
        self.max_instances = max_instances
        self.decode_topk = decode_topk
        self.decode_score_thr = decode_score_thr
        self.refine = refine
        self.refine_score_thr = refine_score_thr
        self.refine_dist_ratio = refine_dist_ratio

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None,
               bbox: Optional[np.ndarray] = None) -> dict:
        """Encode people in input-image pixels into the targets above.

        Args:
            keypoints (np.ndarray): (N, K, 2) in model-input pixels
            keypoints_visible (np.ndarray): (N, K) COCO visibility (> 0: annotated)
            bbox (np.ndarray): boxes in model-input pixels, (N, 4) xyxy or (N, 4, 2) corners after an affine
        """
        if bbox is None:
            raise ValueError('CenterNetPose.encode needs the person boxes: results["bbox"] is missing')
        N, K = keypoints.shape[:2]
        if keypoints_visible is None:
            keypoints_visible = np.ones((N, K), dtype=np.float32)
        W, H = self.heatmap_size
        s = self.stride
        kpts = np.asarray(keypoints, dtype=np.float32)[..., :2] / s
        pts = np.asarray(bbox, dtype=np.float32).reshape(N, -1, 2) / s if N else np.zeros((0, 2, 2), np.float32)
        boxes = np.concatenate([pts.min(1), pts.max(1)], axis=1)  # (N, 4) xyxy on the map
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, W - 1)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, H - 1)
        sizes = boxes[:, 2:] - boxes[:, :2]
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2

        finite = np.isfinite(kpts).all(-1)
        inside = finite & (kpts >= 0).all(-1) & (kpts[..., 0] < W) & (kpts[..., 1] < H)
        usable = (keypoints_visible > 0) & inside  # (N, K)
        has_box = np.isfinite(boxes).all(1) & (sizes > 0).all(1)
        positive = has_box & usable.any(1)
        order = np.argsort(-(sizes[:, 0] * sizes[:, 1]) * positive, kind='stable')
        regress = order[:int(positive.sum())][:self.max_instances]

        # the Gaussians: each person's centre (channel 0) and usable keypoints (channel 1 + k), the person's radius
        people = np.flatnonzero(has_box)
        radii = gaussian_radii(np.ceil(sizes[people, 1]), np.ceil(sizes[people, 0]), self.min_overlap)
        person, kpt = np.nonzero(usable[people])
        heatmaps = draw_gaussians(
            torch.zeros((1 + K, H, W), dtype=torch.float32),
            channels=np.concatenate([np.zeros(len(people), np.int64), 1 + kpt]),
            centres=np.concatenate([centres[people], kpts[people[person], kpt]]).astype(np.int64),
            radii=np.concatenate([radii, radii[person]]),
            peaks=np.concatenate([np.where(positive[people], 1, IGNORE_PEAK), np.ones(len(kpt))]))

        ct_int = centres[regress].astype(np.int64).astype(np.float32)  # (N', 2)
        weights = usable[regress].astype(np.float32)
        kp = np.where(weights[..., None] > 0, kpts[regress], ct_int[:, None])  # masked -> offset 0, no NaN
        kp_int = np.floor(kp)
        return dict(
            heatmaps=heatmaps.numpy(),
            centre_indices=(ct_int[:, 1] * W + ct_int[:, 0]).astype(np.int64),
            box_sizes=sizes[regress],
            centre_offsets=centres[regress] - ct_int,
            keypoint_offsets=(kp - ct_int[:, None]).astype(np.float32),
            keypoint_weights=weights,
            keypoint_indices=(kp_int[..., 1] * W + kp_int[..., 0]).astype(np.int64),
            keypoint_subpixel_offsets=(kp - kp_int).astype(np.float32),
        )

    def decode(self, outputs: Dict[str, Tensor], offset_decoder: Optional[OffsetDecoder] = None) -> Dict[str, Tensor]:
        """One image's output maps (C, H, W) by branch name -> its people: :meth:`batch_decode` of a batch of one."""
        return self.batch_decode({name: maps[None] for name, maps in outputs.items()}, offset_decoder)[0]

    @torch.no_grad()
    def batch_decode(self,
                     outputs: Dict[str, Tensor],
                     offset_decoder: Optional[OffsetDecoder] = None) -> List[Dict[str, Tensor]]:
        """Decode a batch of output maps into people, in model-input pixels: the people of :meth:`decode_people`
        scoring >= ``decode_score_thr``, per image.

        Peaks of the centre heatmap after 3x3 max-pooling, the ``decode_topk`` best with score >=
        ``decode_score_thr``; keypoints = centre pixel + offsets. Only at these centres are the keypoint offsets
        read and, with ``offset_decoder``, turned into offsets (e.g. a mixture's component rule). With ``refine``
        and keypoint heatmaps, each keypoint moves to the nearest keypoint-heatmap peak (plus its sub-pixel
        offset) that scores >= ``refine_score_thr``, lies inside the person's box and within
        ``refine_dist_ratio * max(w, h)``.

        Args:
            outputs (dict): maps (B, C, H, W) named as the head's branches: ``centre_heatmap`` (B, 1, H, W) and
                ``keypoint_heatmaps`` (B, K, H, W, optional) probabilities, ``box_size`` and ``centre_offset``
                (B, 2, H, W), ``keypoint_offset`` (B, C, H, W), ``keypoint_subpixel_offset`` (B, K*2, H, W,
                optional)
            offset_decoder (callable, optional): the ``keypoint_offset`` values at the top-k centres (B, k, C)
                -> dict with the chosen ``offsets`` (B, k, K, 2) and/or ``component_offsets`` (B, k, M, K, 2)
                (each decoded and refined alike; without ``offsets`` the chosen are component ``components``
                (B, k)'s) and further per-person fields (B, k, ...) passed through. Defaults to reading
                C = K*2 offsets, (x, y) per keypoint

        Decoding is not differentiable (top-k, snapping): it runs without autograd.

        Returns:
            list[dict]: per image, ``keypoints`` (N, K, 2), ``keypoint_scores`` (N, K) (the keypoint heatmap at
            the keypoint, or the centre score without keypoint heatmaps), ``bboxes`` (N, 4) xyxy,
            ``bbox_scores`` (N,), ``indices`` (N,) flat centre pixels; with ``component_offsets`` also
            ``component_keypoints`` (N, M, K, 2) and ``component_keypoint_scores`` (N, M, K); and the
            ``offset_decoder``'s other fields (N, ...). Not mmpose's ``(keypoints, scores)`` per image, which
            would drop the boxes and the mixture's fields: ``CenterNetMDNHead.decode`` makes ``InstanceData`` of
            these dicts.
        """
        people = self.decode_people(outputs, offset_decoder)
        keep = people['bbox_scores'] >= self.decode_score_thr
        return [{name: value[b, keep[b]] for name, value in people.items()} for b in range(len(keep))]

    @torch.no_grad()
    def decode_people(self,
                      outputs: Dict[str, Tensor],
                      offset_decoder: Optional[OffsetDecoder] = None,
                      fixed_size: bool = False) -> Dict[str, Tensor]:
        """:meth:`batch_decode`'s people as (B, k, ...) tensors, best first, those scoring below
        ``decode_score_thr`` included: k is the most people an image keeps or, with ``fixed_size``, every one of
        the ``min(decode_topk, H * W)`` candidates (a shape that does not depend on the values, as an exported
        graph needs; the people above the threshold are the same)."""
        centre_heatmap = outputs['centre_heatmap']
        keypoint_heatmaps = outputs.get('keypoint_heatmaps')
        B, _, H, W = centre_heatmap.shape
        topk = min(self.decode_topk, H * W)
        scores, inds, _, ys, xs = get_topk_from_heatmap(local_maximum(centre_heatmap), k=topk)
        if not fixed_size:  # peaks come best first: only the first k' (the most people any image keeps) are decoded
            topk = int((scores >= self.decode_score_thr).sum(1).max())
            scores, inds, ys, xs = scores[:, :topk], inds[:, :topk], ys[:, :topk], xs[:, :topk]
        centre_px = torch.stack([xs, ys.float()], dim=-1)  # (B, k, 2)
        # a regressed size below 0 is an empty box, not a flipped one: a negative width would give COCO a negative
        # area, and COCOeval ignores such unmatched people (its area range starts at 0)
        sizes = gather_at(outputs['box_size'], inds).clamp(min=0)
        centres = centre_px + gather_at(outputs['centre_offset'], inds)
        bboxes = torch.cat([centres - sizes / 2, centres + sizes / 2], dim=-1)  # (B, k, 4)
        raw = gather_at(outputs['keypoint_offset'], inds)  # (B, k, C)
        people = dict(offset_decoder(raw)) if offset_decoder else dict(offsets=raw.unflatten(-1, (-1, 2)))

        # the hypotheses (B, k, J, K, 2): the chosen offsets where given, then every component's
        chosen_given = 'offsets' in people
        if not chosen_given and not {'component_offsets', 'components'} <= set(people):
            raise ValueError('the offset_decoder must return offsets, or component_offsets and components')
        hypotheses = [people.pop('offsets')[:, :, None]] if chosen_given else []
        if 'component_offsets' in people:
            hypotheses.append(people.pop('component_offsets'))
        offsets = torch.cat(hypotheses, dim=2)
        J, K = offsets.shape[2:4]
        kpts = (centre_px[:, :, None, None] + offsets).flatten(1, 2)  # (B, k*J, K, 2)
        if keypoint_heatmaps is not None:
            if self.refine:
                kpts = self._snap_to_peaks(kpts, bboxes.repeat_interleave(J, dim=1), keypoint_heatmaps,
                                           outputs.get('keypoint_subpixel_offset'), fixed_size)
            px = kpts.floor().long()  # the pixel holding the keypoint, where encode puts its peak
            flat = px[..., 1].clamp(0, H - 1) * W + px[..., 0].clamp(0, W - 1)  # (B, k*J, K)
            kpt_scores = keypoint_heatmaps.flatten(2).gather(2, flat.transpose(1, 2)).transpose(1, 2)
        else:
            kpt_scores = scores.repeat_interleave(J, dim=1)[..., None].expand(B, topk * J, K)
        kpts, kpt_scores = kpts.unflatten(1, (topk, J)) * self.stride, kpt_scores.unflatten(1, (topk, J))

        decoded = dict(bboxes=bboxes * self.stride, bbox_scores=scores, indices=inds)
        if chosen_given:  # hypothesis 0
            decoded.update(keypoints=kpts[:, :, 0], keypoint_scores=kpt_scores[:, :, 0])
            kpts, kpt_scores = kpts[:, :, 1:], kpt_scores[:, :, 1:]
        else:  # the chosen component's
            index = people['components'][:, :, None, None]  # (B, k, 1, 1)
            decoded.update(keypoints=kpts.gather(2, index[..., None].expand(B, topk, 1, K, 2)).squeeze(2),
                           keypoint_scores=kpt_scores.gather(2, index.expand(B, topk, 1, K)).squeeze(2))
        if kpts.shape[2]:
            decoded.update(component_keypoints=kpts, component_keypoint_scores=kpt_scores)
        decoded.update(people)
        return decoded

    def _snap_to_peaks(self, kpts: Tensor, bboxes: Tensor, heatmaps: Tensor, subpixel_offsets: Optional[Tensor],
                       fixed_size: bool = False) -> Tensor:
        """CenterNet's keypoint refinement, vectorised over people and keypoints.

        Args:
            kpts (Tensor): (B, N, K, 2) regressed keypoints on the map; bboxes (Tensor): (B, N, 4)
            heatmaps (Tensor): (B, K, H, W); subpixel_offsets (Tensor, optional): (B, K*2, H, W)
            fixed_size (bool): keep every candidate, not only the peaks above ``refine_score_thr`` (which never
                snap): shapes that do not depend on the values

        The candidates are the ``decode_topk`` best peaks of each keypoint type, whatever N.
        """
        B, N, K, _ = kpts.shape
        H, W = heatmaps.shape[-2:]
        peaks = local_maximum(heatmaps).flatten(2)  # (B, K, H*W)
        cand_scores, cand_inds = peaks.topk(min(self.decode_topk, H * W), dim=-1)  # (B, K, C), best first
        C = cand_scores.shape[-1] if fixed_size else int((cand_scores >= self.refine_score_thr).sum(-1).max())
        if C == 0:
            return kpts
        cand_scores, cand_inds = cand_scores[..., :C], cand_inds[..., :C]
        cand = torch.stack([(cand_inds % W).float(), (cand_inds // W).float()], dim=-1)  # (B, K, C, 2)
        if subpixel_offsets is not None:
            sub = subpixel_offsets.reshape(B, K, 2, H * W).gather(3, cand_inds[:, :, None].expand(B, K, 2, C))
            cand = cand + sub.transpose(2, 3)
        # squared distances (B, K, C, N), x and y apart, into contiguous outputs: torch would give the broadcast
        # difference of a (.., 1, N) and a (.., C, 1) tensor a permuted layout that is ~10x slower on CPU
        pts = kpts.permute(3, 0, 2, 1)[:, :, :, None]  # (2, B, K, 1, N)
        cxy = cand.permute(3, 0, 1, 2)[..., None]  # (2, B, K, C, 1)
        cxy = cxy.masked_fill((cand_scores < self.refine_score_thr)[..., None], float('inf'))  # never nearest
        if fixed_size:  # an exported graph: ONNX has no out= arguments
            dist2 = (pts[0] - cxy[0]).square() + (pts[1] - cxy[1]).square()
        else:
            dist2, dy2 = (torch.sub(pts[a], cxy[a], out=kpts.new_empty(B, K, C, N)).square_() for a in (0, 1))
            dist2.add_(dy2)
        min_dist2, nearest = dist2.min(dim=2)  # (B, K, N)
        snapped = cand.gather(2, nearest[..., None].expand(B, K, N, 2)).transpose(1, 2)  # (B, N, K, 2)
        min_dist = min_dist2.sqrt().transpose(1, 2)  # (B, N, K)
        x1, y1, x2, y2 = (bboxes[..., i, None] for i in range(4))  # (B, N, 1) each
        ok = ((min_dist <= self.refine_dist_ratio * torch.maximum(x2 - x1, y2 - y1))
              & (snapped[..., 0] >= x1) & (snapped[..., 0] <= x2) & (snapped[..., 1] >= y1)
              & (snapped[..., 1] <= y2))  # an infinite distance (no peak above threshold) fails here
        return torch.where(ok[..., None], snapped, kpts)
