# Tiny hourglass, MDN with 3 components, on coco_mini (CPU)
_base_ = ['../_base_/models/centernet_hg-tiny.py',
          '../_base_/datasets/coco-mini_bottomup.py', '../_base_/schedules/schedule_coco-mini.py',
          '../_base_/mdn_start.py']
model = dict(head=dict(decoder={{_base_.codec}}, num_components=3, offset_loss={{_base_.mdn_offset_loss}}),
             test_cfg=dict(flip_test=False))
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=5))
# the MDN start (configs/_base_/mdn_start.py); the paper's own: hg-tiny_mdn3_coco-mini_paper.py
custom_hooks = [{{_base_.mdn_start_hook}}]
