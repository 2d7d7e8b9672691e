# The 3 AI Challenger images beside the project (<repo>/../shared/data/aic_test), trained and scored on, at
# coco-mini's CPU sizes (input 256); AIC's keypoints and metric as aic_bottomup.py.
_base_ = ['./coco-mini_bottomup.py']
data_root = '{{fileDirname}}/../../../../shared/data/aic_test/'
keypoint_metainfo = 'configs/_base_/datasets/aic.py'
num_keypoints = 14
split = dict(data_root=data_root, metainfo=dict(from_file=keypoint_metainfo), ann_file='test_aic.json',
             data_prefix=dict(img=''))
train_dataloader = dict(batch_size=3, dataset=split)
val_dataloader = dict(dataset=split)
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'test_aic.json', use_area=False)
test_evaluator = val_evaluator
