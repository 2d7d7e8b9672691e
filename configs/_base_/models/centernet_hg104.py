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
        num_stacks=2,
        # decoding only reads the stride and decode_* settings: keep the stride equal to the dataset's codec
        decoder=dict(type='CenterNetPose', input_size=(512, 512), stride=4)),
    test_cfg=dict(flip_test=False))
