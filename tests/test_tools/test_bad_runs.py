"""Runs a new user gets wrong, run as a user runs them: each ends with the right data, or fails before training
with a message naming the file or field (tools/train.py, tools/test.py, tools/misc/check_dataset.py)."""
import json

import pytest
from conftest import MINI_MDN, call_tool, coco_mini_copy, data_dir, load_script, scalars


def test_data_root_override_trains_and_tests_on_the_new_data(tmp_path):
    """The README's --cfg-options data_root=DIR: 8 train images make 2 iterations of 4 (coco_mini has 36: 9), and
    tools/test.py predicts the copy's 5 val images (coco_mini has 79)."""
    root = coco_mini_copy(tmp_path / 'data', train=8, val=5)
    work = tmp_path / 'work'
    call_tool('tools/train.py', MINI_MDN, '--work-dir', work, '--no-validate', '--cfg-options', f'data_root={root}',
             'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1', 'randomness.seed=0')
    assert [r['iter'] for r in scalars(work) if 'loss' in r] == [1, 2]
    call_tool('tools/test.py', MINI_MDN, work / 'epoch_1.pth', '--work-dir', tmp_path / 'test', '--dump',
             tmp_path / 'preds.pkl', '--cfg-options', f'data_root={root}')
    import mmengine
    dumped = mmengine.load(tmp_path / 'preds.pkl')
    val = json.loads((root / 'annotations' / 'person_keypoints_val2017.json').read_text())
    assert sorted(d['img_id'] for d in dumped) == sorted(img['id'] for img in val['images'])


def test_missing_data_fails_before_training(tmp_path):
    proc = call_tool('tools/train.py', MINI_MDN, '--work-dir', tmp_path, '--cfg-options',
                     f'data_root={tmp_path}/nowhere', check=False)
    assert proc.returncode != 0 and 'Epoch(train)' not in proc.stdout + proc.stderr
    assert f'annotation file {tmp_path}/nowhere/annotations/person_keypoints_train2017.json does not exist' \
        in proc.stderr


def test_run_length_cap_that_works_and_the_one_that_does_not(tmp_path):
    """train_cfg.max_iters fails at once saying what to use; the README's cap (max_epochs + dataset.indices) runs
    exactly its iterations."""
    bad = call_tool('tools/train.py', MINI_MDN, '--work-dir', tmp_path / 'bad', '--cfg-options',
                   'train_cfg.max_iters=3', check=False)
    assert bad.returncode != 0 and 'train_dataloader.dataset.indices=N' in bad.stderr
    call_tool('tools/train.py', MINI_MDN, '--work-dir', tmp_path / 'ok', '--no-validate', '--amp', '--cfg-options',
             f'data_root={data_dir("coco_mini")}', 'train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=12',
             'default_hooks.logger.interval=1')
    records = [r for r in scalars(tmp_path / 'ok') if 'loss' in r]
    assert [r['iter'] for r in records] == [1, 2, 3]
    dumped = next((tmp_path / 'ok').glob('*.py')).read_text()  # the config the run used
    assert "type='CPUAmpOptimWrapper'" in dumped  # --amp on a CPU: bfloat16 autocast, not mmengine's assertion


def test_test_tool_keeps_a_runs_dumped_config(mini_checkpoint, tmp_path):
    """tools/test.py on a run's dumped config from the run's folder (the config's work_dir), with the flip test
    switched on: mmengine would dump the test's config over the run's; the run's stays as it was, and the test's
    (flip test on) goes to <work_dir>/test."""
    from mmengine.config import Config
    root = coco_mini_copy(tmp_path / 'data', train=1, val=2)
    cfg = Config.fromfile(MINI_MDN)
    cfg.work_dir = str(tmp_path / 'run')
    config = tmp_path / 'run' / 'hg-tiny_mdn3_coco-mini.py'
    config.parent.mkdir()
    cfg.dump(config)
    before = config.read_bytes()
    call_tool('tools/test.py', config, mini_checkpoint, '--cfg-options', f'data_root={root}',
              'model.test_cfg.flip_test=True')
    assert config.read_bytes() == before
    assert Config.fromfile(tmp_path / 'run' / 'test' / config.name).model.test_cfg.flip_test


def test_test_tool_keeps_a_runs_dumped_predictions(tmp_path):
    """A config dumped by a run can carry a DumpResults into the run's own predictions.pkl: tools/test.py on it
    (e.g. with the flip test switched on) refuses to overwrite that file, naming the config and the field;
    ``--dump`` replaces the config's DumpResults; a DumpResults whose file does not exist yet is kept."""
    from mmengine.config import Config
    test = load_script('tools/test.py')
    cfg = Config.fromfile(MINI_MDN)
    kept = tmp_path / 'predictions.pkl'
    kept.write_bytes(b'the run\'s predictions')
    cfg.test_evaluator = [cfg.test_evaluator, dict(type='DumpResults', out_file_path=str(kept))]
    config = tmp_path / 'run_config.py'
    cfg.dump(config)

    def merged(*flags):
        return test.merge_args(Config.fromfile(config), test.parse_args([str(config), 'ckpt.pth', *flags]))
    with pytest.raises(FileExistsError, match=f'{config}: test_evaluator DumpResults.out_file_path={kept} exists'):
        merged('--cfg-options', 'model.test_cfg.flip_test=True')
    assert kept.read_bytes() == b'the run\'s predictions'
    dumps = [e for e in merged('--dump', str(tmp_path / 'flip.pkl')).test_evaluator if e.type == 'DumpResults']
    assert [e.out_file_path for e in dumps] == [str(tmp_path / 'flip.pkl')]
    kept.unlink()
    assert [e.type for e in merged().test_evaluator] == ['CocoMetric', 'DumpResults']
