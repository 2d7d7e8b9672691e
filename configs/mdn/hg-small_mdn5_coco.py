# SmallHG, MDN with 5 components, 1x schedule, single flip-free test pass
_base_ = ['../_base_/models/centernet_hg-small.py',
          '../_base_/datasets/coco_bottomup.py', '../_base_/schedules/schedule_1x.py',
          '../_base_/mdn_start.py']
model = dict(head=dict(decoder={{_base_.codec}}, num_components=5, offset_loss={{_base_.mdn_offset_loss}}),
             test_cfg=dict(flip_test=False, component='max'))
# the MDN start (configs/_base_/mdn_start.py); the paper's own: hg-small_mdn5_coco_paper.py
custom_hooks = [{{_base_.mdn_start_hook}}]
