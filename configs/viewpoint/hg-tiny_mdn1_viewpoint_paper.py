# One-stack tiny hourglass, MDN with 1 component(s), trained with the paper's loss as published (the mixture NLL, weight
# 0.1, sigma floor 10): the reference recipe beside the benchmark's default (see benchmarks/viewpoint.md, round 1)
_base_ = ['./hg-tiny_mdn1_viewpoint.py']
model = dict(head=dict(min_sigma=10.0, offset_loss=dict(_delete_=True, type='MDNLoss', loss_weight=0.1)))
custom_hooks = [dict(type='SyncBuffersHook')]  # without the benchmark's k-means start
