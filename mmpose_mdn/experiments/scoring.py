"""A run's checkpoint scored in this process, with the run's own config."""
import copy
import os.path as osp


def score_checkpoint(cfg, checkpoint: str, refine: bool, name: str) -> dict:
    """The metrics of ``cfg``'s test evaluators on ``checkpoint`` (mmengine's Runner, work dir
    ``<cfg.work_dir>/scores``, experiment ``name``), heatmap refinement on or off."""
    from mmengine.runner import Runner
    cfg = copy.deepcopy(cfg)
    cfg.model.head.decoder.refine = refine
    cfg.load_from, cfg.resume, cfg.experiment_name = checkpoint, False, name
    cfg.work_dir = osp.join(cfg.work_dir, 'scores')
    return Runner.from_cfg(cfg).test()
