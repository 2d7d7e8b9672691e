# CrowdPose (14 keypoints: 12 limbs, head, neck), bottom-up as coco_bottomup.py, evaluated as mmpose's CrowdPose
# configs do: CocoMetric with CrowdPose's sigmas, no area (iou_type='keypoints_crowd'), AP easy / medium / hard by
# the images' crowd index, as crowdpose/AP, crowdpose/AP(E), crowdpose/AP(M), crowdpose/AP(H) (the model configs keep
# the best checkpoint by crowdpose/AP).
_base_ = ['./coco_bottomup.py']
data_root = 'data/crowdpose/'
keypoint_metainfo = 'configs/_base_/datasets/crowdpose.py'  # mmpose's: names, sigmas, flip pairs, skeleton
num_keypoints = 14
train_dataloader = dict(dataset=dict(data_root=data_root, metainfo=dict(from_file=keypoint_metainfo),
                                     ann_file='annotations/mmpose_crowdpose_trainval.json',
                                     data_prefix=dict(img='images/')))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=dict(from_file=keypoint_metainfo),
                                   ann_file='annotations/mmpose_crowdpose_test.json', data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/mmpose_crowdpose_test.json', use_area=False,
                     iou_type='keypoints_crowd', prefix='crowdpose')
test_evaluator = val_evaluator
