# Tiny hourglass, MDN with 3 components, on the 2 CrowdPose images beside the project (CPU; 14 keypoints)
_base_ = ['../_base_/models/centernet_hg-tiny.py',
          '../_base_/datasets/crowdpose-test_bottomup.py', '../_base_/schedules/schedule_coco-mini.py',
          '../_base_/mdn_start.py']
# the MDN start's loss (configs/_base_/mdn_start.py) with CrowdPose's keypoint sigmas
model = dict(head=dict(decoder={{_base_.codec}}, num_keypoints={{_base_.num_keypoints}}, num_components=3,
                       offset_loss=dict(type='MDNLoss', loss_weight=0.03, beta=1.0,
                                        metainfo={{_base_.keypoint_metainfo}})),
             test_cfg=dict(flip_test=False))
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=5, save_best='crowdpose/AP'))
# the MDN start's means; sigma from its floor: the residuals of 2 images' people put its maximum-likelihood value
# below min_sigma in x (MDNDataInitHook refuses that start)
custom_hooks = [dict(type='MDNDataInitHook', mean_init='kmeans', sigma_init=None)]
