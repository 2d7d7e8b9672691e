# 1x: 50 epochs, Adam 2.5e-4, lr x0.1 at epoch 40; batch 12 as in the paper (see auto_scale_lr).
# The schedule carries the runtime: mmpose's default_runtime defines train_cfg/val_cfg/test_cfg, which
# mmengine refuses to see defined again in a sibling base.
_base_ = ['../default_runtime.py']
# MidEpochResumeTrainLoop: EpochBasedTrainLoop that also resumes from iteration checkpoints inside an epoch
# (long epochs: --cfg-options default_hooks.checkpoint.by_epoch=False default_hooks.checkpoint.interval=2000)
train_cfg = dict(_delete_=True, type='MidEpochResumeTrainLoop', max_epochs=50, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2.5e-4))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=50, milestones=[40], gamma=0.1, by_epoch=True)]
# `tools/train.py --auto-scale-lr` scales lr by (GPUs x train_dataloader.batch_size) / 12
auto_scale_lr = dict(base_batch_size=12)
