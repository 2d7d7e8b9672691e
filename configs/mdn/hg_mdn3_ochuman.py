# LargeHG MDN3 trained on COCO (hg_mdn3_coco.py), validated on OCHuman val and tested on OCHuman test
_base_ = ['../_base_/models/centernet_hg104.py',
          '../_base_/datasets/ochuman_bottomup.py', '../_base_/schedules/schedule_1x.py',
          '../_base_/mdn_start.py']
model = dict(head=dict(decoder={{_base_.codec}}, num_components=3, offset_loss={{_base_.mdn_offset_loss}}),
             test_cfg=dict(flip_test=False, component='max'))
custom_hooks = [{{_base_.mdn_start_hook}}]
