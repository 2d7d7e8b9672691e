# SmallHG hierarchical MDN (hg-small_hmdn4_coco.py) with the paper's own start: untrained means, sigma from its floor
# (10), the plain NLL's gradients at weight 0.1
_base_ = ['./hg-small_hmdn4_coco.py']
model = dict(head=dict(offset_loss=dict(_delete_=True, type='MDNLoss', loss_weight=0.1)))
custom_hooks = []
