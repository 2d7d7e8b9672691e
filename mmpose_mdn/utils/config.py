"""Command-line overrides of a config that mean what they say (``--cfg-options`` of the tools), and what the tools
read of a config."""
import os.path as osp
from typing import Any, Optional

from mmengine.config import Config


def reroot(value: Any, old: str, new: str) -> Any:
    """``value`` with every string that starts with ``old`` re-rooted at ``new``, through dicts and lists."""
    if isinstance(value, str):
        return new + value[len(old):] if value.startswith(old) else value
    if isinstance(value, dict):
        return type(value)({k: reroot(v, old, new) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return type(value)(reroot(v, old, new) for v in value)
    return value


def merge_cfg_options(cfg: Config, options: Optional[dict]) -> Config:
    """Merge ``--cfg-options`` into ``cfg``; ``data_root=DIR`` moves every path derived from the config's
    ``data_root`` to DIR.

    A config's ``data_root`` is substituted into the dataset and evaluator paths when the file is parsed, so
    merging ``data_root`` alone changes nothing but the variable. Here every string of the config that starts with
    the parsed ``data_root`` (the dataloaders' ``data_root``, the evaluators' ``ann_file``, ...) is re-rooted first;
    the other options are merged after it, so an explicit ``train_dataloader.dataset.data_root=...`` still wins.
    """
    options = dict(options or {})
    if 'data_root' in options:
        new = str(options.pop('data_root'))
        old = cfg.get('data_root')
        if not old:
            raise ValueError(f'--cfg-options data_root={new}: the config {cfg.filename} has no data_root to '
                             'replace; set train_dataloader.dataset.data_root=... and the evaluator ann_file instead')
        if old.endswith('/') and not new.endswith('/'):
            new += '/'
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator', 'test_evaluator'):
            if key in cfg:
                cfg[key] = reroot(cfg[key], old, new)
        cfg.data_root = new
    if options:
        cfg.merge_from_dict(options)
    return cfg


def check_run_length(cfg: Config) -> None:
    """Fail early, with the override that works, when ``train_cfg.max_iters`` is set on an epoch-based loop."""
    train_cfg = cfg.get('train_cfg') or {}
    if 'max_iters' in train_cfg and 'max_epochs' in train_cfg:
        raise ValueError(
            f'train_cfg.max_iters={train_cfg["max_iters"]}: {cfg.filename} trains by epoch '
            f'(train_cfg.max_epochs={train_cfg["max_epochs"]}). Cap the run with train_cfg.max_epochs=N, and shorten '
            'an epoch with train_dataloader.dataset.indices=N (the first N images)')


def visualizer_per_run(cfg: Config) -> Config:
    """``cfg`` whose visualizer the Runner names after its run (mmengine does so where the config gives no name).

    mmpose's runtime names it ``'visualizer'``, and mmengine builds a named visualizer once per process: a second
    Runner in one process (a tool called from Python, an experiment, a notebook) would get the first run's, and log
    its scalars into the first run's work dir. A Runner's only; a visualizer built directly keeps its name."""
    if cfg.get('visualizer'):
        cfg.visualizer.pop('name', None)
    return cfg


def test_evaluators(cfg: Config) -> list:
    """The config's ``test_evaluator`` as a list (one evaluator or several)."""
    return list(cfg.test_evaluator) if isinstance(cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]


def keep_run_config(cfg: Config, config_file: str) -> Config:
    """``cfg`` of a test whose ``work_dir`` holds ``config_file`` itself (a run's dumped config, tested from its own
    folder) with the test's ``work_dir`` moved to ``<work_dir>/test``: mmengine's Runner dumps the config it runs into
    its work dir under the file's name, and would overwrite the run's record with the test's (``load_from``, the
    test's ``--cfg-options``, a ``DumpResults`` or an enabled analysis hook that later tests from it would inherit)."""
    dumped = osp.join(cfg.work_dir, osp.basename(config_file))
    if osp.isfile(dumped) and osp.samefile(dumped, config_file):
        cfg.work_dir = osp.join(cfg.work_dir, 'test')
    return cfg
