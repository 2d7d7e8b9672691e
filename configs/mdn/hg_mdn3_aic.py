# LargeHG (hourglass-104), MDN with 3 components, on AI Challenger (14 keypoints), 1x schedule, single flip-free pass
_base_ = ['../_base_/models/centernet_hg104.py',
          '../_base_/datasets/aic_bottomup.py', '../_base_/schedules/schedule_1x.py',
          '../_base_/mdn_start.py']
# the MDN start's loss (configs/_base_/mdn_start.py) with AIC's keypoint sigmas
model = dict(head=dict(decoder={{_base_.codec}}, num_keypoints={{_base_.num_keypoints}}, num_components=3,
                       offset_loss=dict(type='MDNLoss', loss_weight=0.03, beta=1.0,
                                        metainfo={{_base_.keypoint_metainfo}})),
             test_cfg=dict(flip_test=False, component='max'))
custom_hooks = [{{_base_.mdn_start_hook}}]
