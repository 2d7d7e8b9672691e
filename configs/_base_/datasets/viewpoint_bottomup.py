# Synthetic two-viewpoint scenes (mmpose_mdn.viewpoint), written into data_root on first use, no
# download: 128x128 images with 1-3 people 58-115 px tall seen from the front, back or side; COCO keypoints, the
# viewpoint stored per person. Input 128 -> output 32. The seed and paths can be changed with --cfg-options
# {train,val,test}_dataloader.dataset.{data_root,seed,hidden_cue}=... and val_evaluator.0.ann_file=... (see
# benchmarks/viewpoint_benchmark.py).
dataset_type = 'ViewpointSceneDataset'
data_mode = 'bottomup'
data_root = 'work_dirs/viewpoint_data/seed0/'
scene_seed = 0
# half of the people have their viewpoint cue (face, shoe direction) hidden: their back view looks like the front
# view of the mirrored pose, so a single offset mode must average them (benchmarks/viewpoint.md, round 3)
hidden_cue = 0.5

codec = dict(type='CenterNetPose', input_size=(128, 128), stride=4, max_instances=8)

# no rotation; flips swap the left/right labels, so a flipped front view is still a front view
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupRandomAffine', input_size=codec['input_size'], scale_factor=(0.75, 1.25), scale_type='long',
         shift_factor=0.15, rotate_prob=0.0, distribution='uniform'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='PhotometricDistortion'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
# without category_id in meta_keys: CocoMetric reads a per-sample category_id as one id for all people
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupResize', input_size=codec['input_size'], size_factor=32, resize_mode='fit'),
    dict(type='PackPoseInputs',
         meta_keys=('id', 'img_id', 'img_path', 'crowd_index', 'ori_shape', 'img_shape',
                    'input_size', 'input_center', 'input_scale', 'flip', 'flip_direction', 'flip_indices',
                    'raw_ann_info', 'skeleton_links')),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode=data_mode, split='train', num_images=800,
                 seed=scene_seed, hidden_cue=hidden_cue, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode=data_mode, split='val', num_images=200,
                 seed=scene_seed, hidden_cue=hidden_cue, test_mode=True,
                 pipeline=val_pipeline))
test_dataloader = val_dataloader

# CenterNet ranks people by the centre score and applies no pose NMS; ViewpointComponentMetric reports how the
# MDN components line up with the stored viewpoints (box recall only for the L1 base model)
val_evaluator = [
    dict(type='CocoMetric', ann_file=data_root + 'annotations/viewpoint_val.json', score_mode='bbox',
         nms_mode='none'),
    dict(type='ViewpointComponentMetric'),
]
test_evaluator = val_evaluator
