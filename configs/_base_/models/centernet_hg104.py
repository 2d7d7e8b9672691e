# CenterNet multi-pose on LargeHG: mmdet's HourglassNet-104 with CenterNet's settings (2 stacks, 5 levels)
model = dict(
    type='CenterNetPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='mmdet.HourglassNet',
        downsample_times=5,
        num_stacks=2,
        stage_channels=(256, 256, 384, 384, 384, 512),
        stage_blocks=(2, 2, 2, 2, 2, 4),
        feat_channel=256,
        norm_cfg=dict(type='BN', requires_grad=True)),
    head=dict(
        type='CenterNetMDNHead',
        in_channels=256,
        feat_channels=256,
        num_keypoints=17,
        num_components=None,  # None: the L1 base model; M >= 1: MDN with M components
        num_stacks=2),  # decoder: the dataset base's codec, referenced by each config
    # score_thr: people predicted, down to the low centre score COCO evaluation wants; CenterNetPoseInferencer
    # replaces it with its bbox_thr (0.3 by default) and demo/image_demo.py with --bbox-thr, so inference returns people
    test_cfg=dict(flip_test=False, score_thr=0.01))
