# One-stack tiny hourglass, L1 offsets (base model), on the synthetic two-viewpoint scenes (CPU, no download)
_base_ = ['./_base_/model_hg-tiny-1stack.py', '../_base_/datasets/viewpoint_bottomup.py',
          './_base_/schedule_viewpoint.py']
model = dict(head=dict(decoder={{_base_.codec}}, num_components=None), test_cfg=dict(flip_test=False))
