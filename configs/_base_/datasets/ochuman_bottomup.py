# OCHuman (COCO's 17 keypoints, heavy occlusion) has val and test sets only: trained on COCO (coco_bottomup.py),
# validated on OCHuman val and tested on OCHuman test, with CocoMetric as mmpose scores OCHuman.
_base_ = ['./coco_bottomup.py']
ochuman_root = 'data/ochuman/'
val_dataloader = dict(dataset=dict(
    data_root=ochuman_root, metainfo=dict(from_file='configs/_base_/datasets/ochuman.py'),
    ann_file='annotations/ochuman_coco_format_val_range_0.00_1.00.json', data_prefix=dict(img='images/')))
test_dataloader = dict(dataset=dict(
    data_root=ochuman_root, metainfo=dict(from_file='configs/_base_/datasets/ochuman.py'),
    ann_file='annotations/ochuman_coco_format_test_range_0.00_1.00.json', data_prefix=dict(img='images/')))
val_evaluator = dict(ann_file=ochuman_root + 'annotations/ochuman_coco_format_val_range_0.00_1.00.json')
test_evaluator = dict(ann_file=ochuman_root + 'annotations/ochuman_coco_format_test_range_0.00_1.00.json')
