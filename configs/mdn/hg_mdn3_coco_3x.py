# LargeHG (hourglass-104), MDN with 3 components, 3x schedule (150 epochs), single flip-free test pass
_base_ = ['../_base_/models/centernet_hg104.py',
          '../_base_/datasets/coco_bottomup.py', '../_base_/schedules/schedule_3x.py']
model = dict(head=dict(decoder={{_base_.codec}}, num_components=3), test_cfg=dict(flip_test=False, component='max'))
