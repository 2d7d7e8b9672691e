_base_ = ['./schedule_1x.py']
# short CPU runs on coco_mini: 20 epochs of 9 iterations, lr x0.1 at 16, validation at the end
train_cfg = dict(max_epochs=20, val_interval=20)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=20, milestones=[16], gamma=0.1, by_epoch=True)]
