# The COCO 2017 slice beside the project (<repo>/../shared/data/coco_mini) at input 256 -> output 64, for CPU
# runs. The path is resolved from this file's folder, so the configs run from any working directory; data
# elsewhere: --cfg-options data_root=DIR (tools/train.py and tools/test.py move every dataset path with it).
_base_ = ['./coco_bottomup.py']
data_root = '{{fileDirname}}/../../../../shared/data/coco_mini/'

codec = dict(type='CenterNetPose', input_size=(256, 256), stride=4, max_instances=32)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupRandomAffine', input_size=codec['input_size'], scale_factor=(0.6, 1.3), scale_type='long',
         shift_factor=0.25, rotate_prob=0.0, distribution='uniform'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='PhotometricDistortion'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupResize', input_size=codec['input_size'], size_factor=32, resize_mode='fit'),
    dict(type='PackPoseInputs',
         meta_keys=('id', 'img_id', 'img_path', 'crowd_index', 'ori_shape', 'img_shape',
                    'input_size', 'input_center', 'input_scale', 'flip', 'flip_direction', 'flip_indices',
                    'raw_ann_info', 'skeleton_links')),
]
train_dataloader = dict(batch_size=4, num_workers=1, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(num_workers=1, dataset=dict(data_root=data_root, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
