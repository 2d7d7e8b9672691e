_base_ = ['./schedule_1x.py']
# 3x: 150 epochs, lr x0.1 at epoch 130
train_cfg = dict(max_epochs=150)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=150, milestones=[130], gamma=0.1, by_epoch=True)]
