# Trained on coco_mini (coco-mini_bottomup.py, CPU sizes), validated and tested on the 3 OCHuman images beside the
# project (<repo>/../shared/data/ochuman_test3).
_base_ = ['./coco-mini_bottomup.py']
ochuman_root = '{{fileDirname}}/../../../../shared/data/ochuman_test3/'
split = dict(data_root=ochuman_root, metainfo=dict(from_file='configs/_base_/datasets/ochuman.py'),
             ann_file='test_ochuman.json', data_prefix=dict(img=''))
val_dataloader = dict(dataset=split)
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=ochuman_root + 'test_ochuman.json')
test_evaluator = val_evaluator
