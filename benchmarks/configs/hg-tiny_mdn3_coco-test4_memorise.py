# Learnability, without augmentation: the coco-mini MDN3 model memorising coco_test4's 4 images as the test
# pipeline sees them (each image fitted into 256x256), evaluated on the same images.
_base_ = ['./hg-tiny_mdn3_coco-test4_overfit.py']
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupRandomAffine', input_size={{_base_.codec.input_size}}, scale_factor=(1.0, 1.0),
         scale_type='long', shift_factor=0.0, rotate_prob=0.0),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
