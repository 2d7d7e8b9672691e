"""CenterNet / MixtureDenseRegression hourglass checkpoints -> this plugin's estimator (backbone + head keys).

    python tools/model_converters/centernet2mmpose.py multi_pose_hg_3x.pth work_dirs/hg_base_coco_init.pth

then point a config's ``load_from`` at the output (``--cfg-options load_from=...``).

Both projects build the hourglass with CenterNet's ``exkp`` (``src/lib/models/networks/large_hourglass.py``):
``pre`` (7x7 ``convolution`` + stride-2 ``residual``), ``kps`` (the hourglass modules: ``up1``, ``low1``,
``low2``, ``low3`` as in mmdet), ``cnvs``, ``inters``, ``inters_`` / ``cnvs_`` (1x1 conv + BN) and per-stack
output branches ``{head}.{stack}`` = 3x3 conv (with bias, no BN) + ReLU + 1x1 conv. Their ``residual`` and
``convolution`` layers name their weights as mmdet's ``BasicBlock`` and ``ConvModule`` do, except the residual
projection ``skip`` (mmdet: ``downsample``), so a LargeHG (``kp_layer=residual``) or SmallHG
(``kp_layer=convolution``) checkpoint maps key by key.
"""
import argparse
import re
from collections import OrderedDict
from pathlib import Path
from typing import Dict, List, Tuple

import torch
from torch import Tensor

BACKBONE_KEYS = [  # (CenterNet pattern, ours)
    (r'pre\.0\.', 'backbone.stem.0.'),
    (r'pre\.1\.', 'backbone.stem.1.0.'),
    (r'kps\.', 'backbone.hourglass_modules.'),
    (r'cnvs\.', 'backbone.out_convs.'),
    (r'inters\.', 'backbone.inters.'),
    (r'inters_\.(\d+)\.0\.', r'backbone.conv1x1s.\1.conv.'),
    (r'inters_\.(\d+)\.1\.', r'backbone.conv1x1s.\1.bn.'),
    (r'cnvs_\.(\d+)\.0\.', r'backbone.remap_convs.\1.conv.'),
    (r'cnvs_\.(\d+)\.1\.', r'backbone.remap_convs.\1.bn.'),
]
# CenterNet multi-pose heads -> CenterNetMDNHead branches
HEADS = dict(hm='centre_heatmap', wh='box_size', reg='centre_offset', hm_hp='keypoint_heatmaps',
             hp_offset='keypoint_subpixel_offset', hps='keypoint_offset')


def convert_centernet_state_dict(state_dict: Dict[str, Tensor],
                                 num_keypoints: int = 17) -> Tuple['OrderedDict[str, Tensor]', List[str]]:
    """Rename a CenterNet / MixtureDenseRegression hourglass state dict (``module.`` prefixes allowed) to this
    plugin's ``BottomupPoseEstimator`` with ``CenterNetMDNHead``; save the result as ``{'state_dict': ...}`` and
    point ``load_from`` at it.

    - Backbone: :data:`BACKBONE_KEYS`, ``skip`` -> ``downsample``.
    - Branch ``{head}.{s}.0.conv`` -> ``head.stacks.{s}.{branch}.0``, ``{head}.{s}.1`` -> ``.2`` (:data:`HEADS`).
      CenterNet's shared sub-pixel offset (2 channels) becomes the K*2 per-keypoint-type channels by repeating
      its 1x1 conv K times: every keypoint type starts from the shared (x, y) prediction.
    - MixtureDenseRegression's MDN outputs (``hps`` of M*K*2 channels, ``mdn_sigma``, ``mdn_logits``) have one
      3x3 conv per output, ours one for the whole MDN branch: they are returned as unconverted.

    Returns:
        tuple: the converted state dict and the source keys left out.
    """
    state_dict = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state_dict.items()}
    mdn = any(k.startswith('mdn_') for k in state_dict)
    out, skipped = OrderedDict(), []
    for key, value in state_dict.items():
        head = re.match(r'(\w+?)\.(\d+)\.(0\.conv|1)\.(weight|bias)$', key)
        if head and head[1] in HEADS and not (mdn and head[1] == 'hps'):
            if head[1] == 'hp_offset' and head[3] == '1':
                value = value.repeat(num_keypoints, *[1] * (value.dim() - 1))
            out[f'head.stacks.{head[2]}.{HEADS[head[1]]}.{0 if head[3] == "0.conv" else 2}.{head[4]}'] = value
            continue
        for pattern, target in BACKBONE_KEYS:
            new, hit = re.subn('^' + pattern, target, key)
            if hit:
                out[new.replace('.skip.', '.downsample.')] = value
                break
        else:
            skipped.append(key)
    return out, skipped


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description='Convert a CenterNet / MixtureDenseRegression hourglass '
                                     'checkpoint into this plugin\'s estimator keys (for load_from)')
    parser.add_argument('src', help='CenterNet checkpoint (.pth, its state dict under "state_dict" or at the top)')
    parser.add_argument('dst', help='output checkpoint ({"state_dict": ...})')
    parser.add_argument('--num-keypoints', type=int, default=17, help='K of the sub-pixel offset branch')
    args = parser.parse_args(argv)
    ckpt = torch.load(args.src, map_location='cpu', weights_only=True)
    state_dict = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state_dict, dict) or not all(isinstance(v, Tensor) for v in state_dict.values()):
        raise ValueError(f'{args.src} holds no state dict of tensors (at the top or under "state_dict")')
    converted, skipped = convert_centernet_state_dict(state_dict, args.num_keypoints)
    if not converted:
        raise ValueError(f'{args.src}: none of its {len(state_dict)} keys is a CenterNet hourglass key')
    Path(args.dst).parent.mkdir(parents=True, exist_ok=True)
    torch.save({'state_dict': converted}, args.dst)
    print(f'{args.dst}: {len(converted)} tensors converted; {len(skipped)} left out'
          + (f': {", ".join(skipped)}' if skipped else ''))


if __name__ == '__main__':
    main()
