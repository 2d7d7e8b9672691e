"""StopDataloaderWorkersHook: after a run in this process, its dataloaders' persistent workers are gone (without it
they live until the garbage collector reaches the iterator)."""
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import MINI_MDN, ROOT, data_dir

pytestmark = pytest.mark.slow  # a real (one-iteration) run


@pytest.mark.parametrize('with_hook', [True, False])
def test_workers_stop_when_the_run_ends(tmp_path, with_hook):
    root = f'{data_dir("coco_mini")}/'
    cfg = Config.fromfile(ROOT / MINI_MDN)
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': root, 'train_dataloader.dataset.indices': 4,
                         'train_dataloader.num_workers': 2, 'train_dataloader.persistent_workers': True,
                         'train_cfg.max_epochs': 1, 'work_dir': str(tmp_path), 'val_cfg': None,
                         'val_dataloader': None, 'val_evaluator': None})
    if not with_hook:
        cfg.default_hooks.pop('workers')
    runner = Runner.from_cfg(cfg)
    runner.train()
    iterator = runner.train_loop.dataloader._iterator
    if with_hook:
        assert iterator is None
    else:  # the case the hook is for: the workers still alive after the run
        assert iterator is not None and all(w.is_alive() for w in iterator._workers)
        iterator._shutdown_workers()
