# CenterNet multi-pose on SmallHG: LargeHG with the residual blocks of its hourglass modules replaced by plain
# 3x3 conv-BN-ReLU layers (see HourglassVariantNet); stem, inter-stack joins and widths as LargeHG
_base_ = ['./centernet_hg104.py']
model = dict(backbone=dict(type='HourglassVariantNet', block='conv'))
