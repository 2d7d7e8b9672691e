# One-stack tiny hourglass, the hierarchical MDN (hg-tiny_hmdn4_viewpoint.py) trained with the paper's loss as
# published (the mixture NLL, weight 0.1, sigma floor 10), without the benchmark's k-means start
_base_ = ['./hg-tiny_hmdn4_viewpoint.py']
model = dict(head=dict(min_sigma=10.0, offset_loss=dict(_delete_=True, type='MDNLoss', loss_weight=0.1)))
custom_hooks = [dict(type='SyncBuffersHook')]
