_base_ = ['mmpose::_base_/default_runtime.py']

# registers mmpose_mdn's codec, head and loss, and its weights-only checkpoint loading
custom_imports = dict(imports=['mmpose_mdn'], allow_failed_imports=False)

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=10, save_best='coco/AP', rule='greater', max_keep_ckpts=3))
