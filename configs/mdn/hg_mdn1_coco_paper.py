# LargeHG (hourglass-104), MDN with 1 component, 1x schedule, single flip-free test pass, with the paper's own start:
# untrained means, sigma from its floor (10), the plain NLL's gradients at weight 0.1 (configs/_base_/mdn_start.py says
# what the default changes, and why)
_base_ = ['./hg_mdn1_coco.py']
model = dict(head=dict(offset_loss=dict(_delete_=True, type='MDNLoss', loss_weight=0.1)))
custom_hooks = []
