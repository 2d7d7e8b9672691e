# Learnability check: the coco-mini MDN3 config (model, augmentation) overfitting the 4 images of
# coco_test4 (12 people), evaluated on the same images. One iteration an epoch (batch 4). Adam at 1e-3 instead of
# 2.5e-4: from scratch on 4 images the tiny model at 2.5e-4 stays at AP <= 0.04 after 2000 iterations.
# The paper's MDN start (the _paper config), as benchmarks/results/learnability.md measured it; the default start's
# curves are benchmarks/cold_start.py's.
_base_ = ['../../configs/mdn/hg-tiny_mdn3_coco-mini_paper.py']
data_root = '../shared/data/coco_test4/'
epochs = 400

train_dataloader = dict(
    batch_size=4, persistent_workers=True,
    dataset=dict(data_root=data_root, ann_file='test_coco.json', data_prefix=dict(img='')))
val_dataloader = dict(dataset=dict(data_root=data_root, ann_file='test_coco.json', data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'test_coco.json')
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=epochs, val_interval=epochs)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=epochs, milestones=[int(epochs * 0.8)], gamma=0.1,
                        by_epoch=True)]
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=epochs, save_best=None))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
randomness = dict(seed=0)
