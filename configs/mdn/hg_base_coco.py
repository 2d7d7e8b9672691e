# LargeHG (hourglass-104), L1 offset regression (the base model), 1x schedule, flip test
_base_ = ['../_base_/models/centernet_hg104.py',
          '../_base_/datasets/coco_bottomup.py', '../_base_/schedules/schedule_1x.py']
model = dict(head=dict(decoder={{_base_.codec}}, num_components=None), test_cfg=dict(flip_test=True))
