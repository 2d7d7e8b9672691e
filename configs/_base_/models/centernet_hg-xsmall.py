# CenterNet multi-pose on XSmallHG: SmallHG with one layer fewer in every hourglass level (floored at 1)
_base_ = ['./centernet_hg-small.py']
model = dict(backbone=dict(stage_blocks=(1, 1, 1, 1, 1, 3)))
