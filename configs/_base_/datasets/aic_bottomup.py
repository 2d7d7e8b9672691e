# AI Challenger (14 keypoints in AIC's order: right side first, head top, neck), bottom-up as coco_bottomup.py,
# evaluated as mmpose's AIC configs do: CocoMetric with AIC's sigmas and no area (use_area=False).
_base_ = ['./coco_bottomup.py']
data_root = 'data/aic/'
keypoint_metainfo = 'configs/_base_/datasets/aic.py'  # mmpose's: names, sigmas, flip pairs, skeleton
num_keypoints = 14
train_dataloader = dict(dataset=dict(
    data_root=data_root, metainfo=dict(from_file=keypoint_metainfo), ann_file='annotations/aic_train.json',
    data_prefix=dict(img='ai_challenger_keypoint_train_20170902/keypoint_train_images_20170902/')))
val_dataloader = dict(dataset=dict(
    data_root=data_root, metainfo=dict(from_file=keypoint_metainfo), ann_file='annotations/aic_val.json',
    data_prefix=dict(img='ai_challenger_keypoint_validation_20170911/keypoint_validation_images_20170911/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/aic_val.json', use_area=False)
test_evaluator = val_evaluator
