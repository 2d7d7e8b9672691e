# Tiny hourglass MDN3 trained on coco_mini (hg-tiny_mdn3_coco-mini.py), validated and tested on the 3 OCHuman images
# beside the project (CPU)
_base_ = ['../_base_/models/centernet_hg-tiny.py',
          '../_base_/datasets/ochuman-test3_bottomup.py', '../_base_/schedules/schedule_coco-mini.py',
          '../_base_/mdn_start.py']
model = dict(head=dict(decoder={{_base_.codec}}, num_components=3, offset_loss={{_base_.mdn_offset_loss}}),
             test_cfg=dict(flip_test=False))
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=5))
custom_hooks = [{{_base_.mdn_start_hook}}]
