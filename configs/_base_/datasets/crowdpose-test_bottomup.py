# The 2 CrowdPose images beside the project (<repo>/../shared/data/crowdpose_test), trained and scored on, at
# coco-mini's CPU sizes (input 256); CrowdPose's keypoints and metric as crowdpose_bottomup.py.
_base_ = ['./coco-mini_bottomup.py']
data_root = '{{fileDirname}}/../../../../shared/data/crowdpose_test/'
keypoint_metainfo = 'configs/_base_/datasets/crowdpose.py'
num_keypoints = 14
split = dict(data_root=data_root, metainfo=dict(from_file=keypoint_metainfo), ann_file='test_crowdpose.json',
             data_prefix=dict(img=''))
train_dataloader = dict(batch_size=2, dataset=split)
val_dataloader = dict(dataset=split)
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'test_crowdpose.json', use_area=False, iou_type='keypoints_crowd',
                     prefix='crowdpose')
test_evaluator = val_evaluator
