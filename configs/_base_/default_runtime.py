_base_ = ['mmpose::_base_/default_runtime.py']

# registers mmpose_mdn's codec, head and loss, and its weights-only checkpoint loading
custom_imports = dict(imports=['mmpose_mdn'], allow_failed_imports=False)

# analysis: the paper's component / keypoint-group / displacement analyses after each val and test epoch
# (mmpose_mdn.engine.MDNAnalysisHook), switched on with --cfg-options default_hooks.analysis.enable=True
# workers: a finished run's dataloader workers stopped at once (StopDataloaderWorkersHook), so that a process running
# one Runner after another does not wait seconds per dataloader for the garbage collector to stop them
# keypoint_set: a dataset whose keypoints (number, sigmas) are not the model's fails before the first iteration
default_hooks = dict(
    keypoint_set=dict(type='KeypointSetCheckHook'),
    checkpoint=dict(type='CheckpointHook', interval=10, save_best='coco/AP', rule='greater', max_keep_ckpts=3),
    analysis=dict(type='MDNAnalysisHook', enable=False),
    workers=dict(type='StopDataloaderWorkersHook'))

# pictures of tools/test.py --show-dir, the demo and the inferencers: people scoring >= bbox_thr, MDN people in
# their component's colour with the σ ellipse (mmpose_mdn/visualization/mdn_pose_visualizer.py)
visualizer = dict(type='MDNPoseLocalVisualizer', bbox_thr=0.3, show_pi=False)
