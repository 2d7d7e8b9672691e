"""The paper's smaller hourglass capacities, SmallHG and XSmallHG, on mmdet's ``HourglassNet`` code paths.

LargeHG is mmdet's ``HourglassNet`` itself (CenterNet's hourglass-104). mmdet cannot express the two smaller
capacities because its ``HourglassModule`` hard-codes residual ``BasicBlock`` layers; this module adds only that
choice, as the ``block`` argument.
"""
from functools import partial
from typing import Sequence

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.models.backbones.hourglass import HourglassModule, HourglassNet
from mmdet.models.backbones.resnet import BasicBlock
from mmdet.models.layers import ResLayer
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType

BLOCKS = ('residual', 'conv')


def make_layer(block: str,
               in_channels: int,
               out_channels: int,
               num_blocks: int,
               stride: int = 1,
               downsample_first: bool = True,
               norm_cfg: ConfigType = dict(type='BN', requires_grad=True)) -> nn.Sequential:
    """``num_blocks`` layers from ``in_channels`` to ``out_channels``; the stride and the channel change happen at
    the first layer (``downsample_first``) or at the last (an hourglass's ``low3``), as in mmdet's ``ResLayer``.

    ``'residual'``: mmdet's ``ResLayer`` of ``BasicBlock`` (3x3 conv-BN-ReLU, 3x3 conv-BN, + identity or 1x1
    conv-BN projection, ReLU). ``'conv'``: the same sequence with each block replaced by one 3x3 conv-BN-ReLU
    ``ConvModule`` (CenterNet's ``convolution`` layer), with no skip.
    """
    if block == 'residual':
        return ResLayer(BasicBlock, in_channels, out_channels, num_blocks, stride=stride, norm_cfg=norm_cfg,
                        downsample_first=downsample_first)
    if downsample_first:
        channels = [in_channels] + [out_channels] * num_blocks
        strides = [stride] + [1] * (num_blocks - 1)
    else:
        channels = [in_channels] * num_blocks + [out_channels]
        strides = [1] * (num_blocks - 1) + [stride]
    return nn.Sequential(*(ConvModule(c_in, c_out, 3, stride=s, padding=1, norm_cfg=norm_cfg)
                           for c_in, c_out, s in zip(channels[:-1], channels[1:], strides)))


class HourglassVariantModule(HourglassModule):
    """mmdet's ``HourglassModule`` (same ``forward``, same ``up1``/``low1``/``low2``/``low3`` attributes) with its
    layers built by :func:`make_layer` of the given ``block``.

    Level ``i`` (``depth`` levels, input (B, C_i, H, W)): ``up1`` = ``stage_blocks[i]`` layers C_i -> C_i;
    ``low1`` = ``stage_blocks[i]`` layers C_i -> C_{i+1}, the first of stride 2; ``low2`` = the next level, or at
    the deepest level ``stage_blocks[i+1]`` layers C_{i+1} -> C_{i+1}; ``low3`` = ``stage_blocks[i]`` layers
    C_{i+1} -> C_i; output ``up1(x) + upsample(low3(low2(low1(x))))``.
    """

    def __init__(self,
                 depth: int,
                 stage_channels: Sequence[int],
                 stage_blocks: Sequence[int],
                 block: str = 'conv',
                 norm_cfg: ConfigType = dict(type='BN', requires_grad=True),
                 upsample_cfg: ConfigType = dict(mode='nearest'),
                 init_cfg: OptConfigType = None) -> None:
        # HourglassModule.__init__ builds BasicBlock layers: initialise the BaseModule under it instead
        super(HourglassModule, self).__init__(init_cfg)
        self.depth = depth
        cur_block, next_block = stage_blocks[:2]
        cur_channel, next_channel = stage_channels[:2]
        layer = partial(make_layer, block, norm_cfg=norm_cfg)

        self.up1 = layer(cur_channel, cur_channel, cur_block)
        self.low1 = layer(cur_channel, next_channel, cur_block, stride=2)
        if depth > 1:
            self.low2 = HourglassVariantModule(depth - 1, stage_channels[1:], stage_blocks[1:], block, norm_cfg,
                                               upsample_cfg)
        else:
            self.low2 = layer(next_channel, next_channel, next_block)
        self.low3 = layer(next_channel, cur_channel, cur_block, downsample_first=False)
        self.up2 = F.interpolate
        self.upsample_cfg = upsample_cfg


@MODELS.register_module()
class HourglassVariantNet(HourglassNet):
    """mmdet's ``HourglassNet`` whose hourglass modules are built of ``block`` layers: the paper's SmallHG and
    XSmallHG ("Mixture density networks find viewpoint the dominant factor for accurate spatial offset regression").

    - LargeHG: mmdet's ``HourglassNet`` with CenterNet's settings (configs use ``mmdet.HourglassNet`` directly;
      ``block='residual'`` here builds the identical module tree and state dict).
    - SmallHG, "LargeHG with its residual layers replaced by plain convolutional layers": ``block='conv'``. Every
      residual ``BasicBlock`` inside the hourglass modules (``up1``, ``low1``, ``low2``, ``low3`` of every level)
      becomes one 3x3 conv-BN-ReLU, with the same input/output channels and stride, so each level keeps its number
      of layers (``stage_blocks``) while a layer drops from two 3x3 convs and a skip to one 3x3 conv. This is the
      switch CenterNet's and MixtureDenseRegression's ``exkp`` network exposes: its ``kp_layer`` (``residual`` or
      ``convolution``) builds the hourglass modules (``kps``) only, while the stem (``pre``), the inter-stack
      ``inters`` and the 1x1 joins stay as in LargeHG; here likewise ``stem``, ``inters``, ``conv1x1s``,
      ``out_convs`` and ``remap_convs`` are mmdet's, with mmdet's names, so those weights of a LargeHG checkpoint
      load into SmallHG.
    - XSmallHG, "SmallHG with one layer removed from each hourglass level": ``block='conv'`` and each level's layer
      count minus one, floored at 1: ``stage_blocks`` (2, 2, 2, 2, 2, 4) -> (1, 1, 1, 1, 1, 3), i.e. ``up1``,
      ``low1`` and ``low3`` of each of the 5 levels have 1 layer instead of 2, the deepest ``low2`` 3 instead of 4.

    Args:
        block (str): ``'conv'`` (plain 3x3 conv-BN-ReLU layers) or ``'residual'`` (mmdet's ``BasicBlock``)
        downsample_times, num_stacks, stage_channels, stage_blocks, feat_channel, norm_cfg: as mmdet's
            ``HourglassNet``; ``stage_blocks[i]`` is the number of ``block`` layers of each branch of level i

    Returns (``forward``): a list of ``num_stacks`` features (B, feat_channel, H/4, W/4), as mmdet's.
    """

    def __init__(self,
                 block: str = 'conv',
                 downsample_times: int = 5,
                 num_stacks: int = 2,
                 stage_channels: Sequence[int] = (256, 256, 384, 384, 384, 512),
                 stage_blocks: Sequence[int] = (2, 2, 2, 2, 2, 4),
                 feat_channel: int = 256,
                 norm_cfg: ConfigType = dict(type='BN', requires_grad=True),
                 init_cfg: OptConfigType = None) -> None:
        if block not in BLOCKS:
            raise ValueError(f'block must be one of {BLOCKS}, got {block!r}')
        if num_stacks < 1 or len(stage_channels) != len(stage_blocks) or len(stage_channels) <= downsample_times:
            raise ValueError('need num_stacks >= 1 and downsample_times + 1 <= len(stage_channels) == '
                             f'len(stage_blocks), got {num_stacks}, {downsample_times}, {stage_channels}, '
                             f'{stage_blocks}')
        # HourglassNet.__init__ would build LargeHG's residual hourglass modules: build the same members here
        super(HourglassNet, self).__init__(init_cfg)
        self.num_stacks = num_stacks
        c = stage_channels[0]
        residual = partial(make_layer, 'residual', norm_cfg=norm_cfg)

        self.stem = nn.Sequential(
            ConvModule(3, c // 2, 7, padding=3, stride=2, norm_cfg=norm_cfg), residual(c // 2, c, 1, stride=2))
        self.hourglass_modules = nn.ModuleList(
            HourglassVariantModule(downsample_times, stage_channels, stage_blocks, block, norm_cfg)
            for _ in range(num_stacks))
        self.inters = residual(c, c, num_stacks - 1)
        self.conv1x1s = nn.ModuleList(
            ConvModule(c, c, 1, norm_cfg=norm_cfg, act_cfg=None) for _ in range(num_stacks - 1))
        self.out_convs = nn.ModuleList(
            ConvModule(c, feat_channel, 3, padding=1, norm_cfg=norm_cfg) for _ in range(num_stacks))
        self.remap_convs = nn.ModuleList(
            ConvModule(feat_channel, c, 1, norm_cfg=norm_cfg, act_cfg=None) for _ in range(num_stacks - 1))
        self.relu = nn.ReLU(inplace=True)
