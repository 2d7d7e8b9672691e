"""tools/dist_train.sh with two CPU processes (torchrun, gloo)."""
from mmpose.apis import init_model

from conftest import MINI_MDN, ROOT, free_port, mini_data_options, run_tool, scalars
from mmpose_mdn.utils import load_local_checkpoint


def test_dist_train_two_cpu_processes(tmp_path):
    work_dir = tmp_path / 'dist'
    # 2 processes x batch 2 = 4 images a step: 3 iterations an epoch on the first 12 of coco_mini's training images
    run_tool('tools/dist_train.sh', MINI_MDN, 2, '--work-dir', work_dir, '--no-validate', '--cfg-options',
             *mini_data_options(), 'train_cfg.max_epochs=1', 'train_dataloader.batch_size=2',
             'train_dataloader.dataset.indices=12',
             'default_hooks.logger.interval=1', 'default_hooks.checkpoint.interval=1', env={'PORT': str(free_port())})
    records = [r for r in scalars(work_dir) if 'loss' in r]
    assert len(records) == 3 and all(r['loss'] == r['loss'] for r in records)  # 12 / (2 x 2), no NaN
    # the checkpoint holds the model's weights (no DDP 'module.' prefix) and the state to resume
    # (tools/dist_test.sh's two processes: tests/test_engine/test_mdn_analysis_hook.py)
    checkpoint = load_local_checkpoint(work_dir / 'epoch_1.pth')
    assert checkpoint['meta']['iter'] == 3 and {'optimizer', 'param_schedulers'} <= set(checkpoint)
    assert set(checkpoint['state_dict']) == set(init_model(str(ROOT / MINI_MDN), device='cpu').state_dict())
