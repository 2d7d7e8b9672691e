"""--cfg-options data_root=DIR moves every path the config derived from its data_root."""
from pathlib import Path

import pytest
from mmengine.config import Config

from conftest import MINI_MDN, ROOT
from mmpose_mdn.utils.config import check_run_length, merge_cfg_options

PATHS = ('train_dataloader.dataset.data_root', 'val_dataloader.dataset.data_root',
         'test_dataloader.dataset.data_root', 'val_evaluator.ann_file', 'test_evaluator.ann_file')


def lookup(cfg, dotted):
    for key in dotted.split('.'):
        cfg = cfg[key]
    return cfg


def test_data_root_moves_every_derived_path():
    before = Config.fromfile(ROOT / MINI_MDN)
    plain = Config.fromfile(ROOT / MINI_MDN)
    plain.merge_from_dict(dict(data_root='/new/'))
    assert all(lookup(plain, p) == lookup(before, p) for p in PATHS)  # what the README's override did: nothing

    cfg = merge_cfg_options(Config.fromfile(ROOT / MINI_MDN), dict(data_root='/new'))
    for p in PATHS:
        assert lookup(cfg, p) == '/new/' + lookup(before, p)[len(before.data_root):], p
    assert cfg.val_evaluator.ann_file == '/new/annotations/person_keypoints_val2017.json'
    assert cfg.train_dataloader.dataset.data_prefix.img == 'train2017/'  # relative to data_root: unchanged


def test_explicit_dataset_option_wins_over_data_root():
    cfg = merge_cfg_options(Config.fromfile(ROOT / MINI_MDN),
                            {'data_root': '/new/', 'val_dataloader.dataset.data_root': '/val/'})
    assert cfg.train_dataloader.dataset.data_root == '/new/' and cfg.val_dataloader.dataset.data_root == '/val/'


def test_coco_mini_data_found_from_the_config_location():
    """Not from the working directory: <repo>/../shared/data/coco_mini whatever the cwd."""
    cfg = Config.fromfile(ROOT / MINI_MDN)
    expected = (ROOT.parent / 'shared' / 'data' / 'coco_mini').resolve()
    assert Path(cfg.train_dataloader.dataset.data_root).resolve() == expected
    assert Path(cfg.val_evaluator.ann_file).resolve() == expected / 'annotations' / 'person_keypoints_val2017.json'


def test_max_iters_on_an_epoch_loop_says_what_works():
    cfg = Config.fromfile(ROOT / MINI_MDN)
    cfg.merge_from_dict({'train_cfg.max_iters': 5})
    with pytest.raises(ValueError, match=r'train_cfg.max_epochs=N.*train_dataloader.dataset.indices=N'):
        check_run_length(cfg)
