# COCO person keypoints, bottom-up (one sample per image), CenterNet's targets at stride 4.
# Override the data with --cfg-options data_root=... or train_dataloader.dataset.ann_file=...
# mmpose's CocoDataset with annotations checked while parsed (NaN / negative boxes fail naming file and field)
dataset_type = 'ValidatedCocoDataset'
data_mode = 'bottomup'
data_root = 'data/coco/'

# input 512 -> output 128; train inputs must be square (mmpose 1.3.2's RandomFlip reads input_size as (h, w))
codec = dict(type='CenterNetPose', input_size=(512, 512), stride=4, max_instances=32)

# CenterNet's augmentation: random scale 0.6-1.3 of the long side with a random crop (shift), horizontal flip
# with the left/right keypoint swap, colour jitter
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupRandomAffine', input_size=codec['input_size'], scale_factor=(0.6, 1.3), scale_type='long',
         shift_factor=0.25, rotate_prob=0.0, distribution='uniform'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='PhotometricDistortion'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
# val/test: the image fitted into 512x512 (aspect kept, zero padded), a valid hourglass input size
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupResize', input_size=codec['input_size'], size_factor=128, resize_mode='fit'),
    dict(type='PackPoseInputs',
         meta_keys=('id', 'img_id', 'img_path', 'crowd_index', 'ori_shape', 'img_shape',
                    'input_size', 'input_center', 'input_scale', 'flip', 'flip_direction', 'flip_indices',
                    'raw_ann_info', 'skeleton_links')),
]

train_dataloader = dict(
    batch_size=12,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline,
    ))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_val2017.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=val_pipeline,
    ))
test_dataloader = val_dataloader

# CenterNet ranks people by the centre score and applies no pose NMS
val_evaluator = dict(
    type='CocoMetric', ann_file=data_root + 'annotations/person_keypoints_val2017.json', score_mode='bbox',
    nms_mode='none')
test_evaluator = val_evaluator
