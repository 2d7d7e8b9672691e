# LargeHG (hourglass-104), MDN with 3 components, 3x schedule (150 epochs), flip-free, with the paper's own start:
# untrained means, sigma from its floor (10), the plain NLL's gradients at weight 0.1 (configs/_base_/mdn_start.py says
# what the default changes, and why)
_base_ = ['./hg_mdn3_coco_3x.py']
model = dict(head=dict(offset_loss=dict(_delete_=True, type='MDNLoss', loss_weight=0.1)))
custom_hooks = []
