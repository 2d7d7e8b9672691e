# LargeHG (hourglass-104), MDN with 1 component, 1x schedule, single flip-free test pass
_base_ = ['../_base_/models/centernet_hg104.py',
          '../_base_/datasets/coco_bottomup.py', '../_base_/schedules/schedule_1x.py',
          '../_base_/mdn_start.py']
model = dict(head=dict(decoder={{_base_.codec}}, num_components=1, offset_loss={{_base_.mdn_offset_loss}}),
             test_cfg=dict(flip_test=False, component='max'))
# the MDN start (configs/_base_/mdn_start.py); the paper's own: hg_mdn1_coco_paper.py
custom_hooks = [{{_base_.mdn_start_hook}}]
