# One-stack tiny hourglass, MDN with 3 components, on the synthetic two-viewpoint scenes (CPU, no download)
_base_ = ['./_base_/model_hg-tiny-1stack.py', '../_base_/datasets/viewpoint_bottomup.py',
          './_base_/schedule_viewpoint.py', './_base_/mdn_offset_loss.py']
model = dict(
    head=dict(decoder={{_base_.codec}}, num_components=3, offset_loss={{_base_.mdn_offset_loss}}),
    test_cfg=dict(flip_test=False))
# mmpose's SyncBuffersHook and the k-means start of the components
custom_hooks = [dict(type='SyncBuffersHook'), {{_base_.mdn_init_hook}}]
