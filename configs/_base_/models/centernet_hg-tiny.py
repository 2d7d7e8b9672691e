# A tiny 2-stack hourglass (3 levels, widths 32-64) for CPU experiments and tests; input a multiple of 32
_base_ = ['./centernet_hg104.py']
model = dict(
    backbone=dict(downsample_times=3, stage_channels=(32, 32, 48, 64), stage_blocks=(1, 1, 1, 1), feat_channel=32),
    head=dict(in_channels=32, feat_channels=32))
