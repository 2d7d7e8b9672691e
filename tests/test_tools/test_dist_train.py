"""tools/dist_train.sh with two CPU processes (torchrun, gloo), then tools/dist_test.sh on its checkpoint."""
import json

from conftest import MINI_MDN, SETS, data_dir, free_port, mini_data_options, run_tool, scalars


def test_dist_train_two_cpu_processes(tmp_path):
    work_dir = tmp_path / 'dist'
    # 2 processes x batch 2 = 4 images a step: 3 iterations an epoch on the first 12 of coco_mini's training images
    run_tool('tools/dist_train.sh', MINI_MDN, 2, '--work-dir', work_dir, '--no-validate', '--cfg-options',
             *mini_data_options(), 'train_cfg.max_epochs=1', 'train_dataloader.batch_size=2',
             'train_dataloader.dataset.indices=12',
             'default_hooks.logger.interval=1', 'default_hooks.checkpoint.interval=1', env={'PORT': str(free_port())})
    records = [r for r in scalars(work_dir) if 'loss' in r]
    assert len(records) == 3 and all(r['loss'] == r['loss'] for r in records)  # 12 / (2 x 2), no NaN
    out = tmp_path / 'test.json'
    run_tool('tools/dist_test.sh', MINI_MDN, work_dir / 'epoch_1.pth', 2, '--work-dir', tmp_path, '--out', out,
             '--cfg-options', *mini_data_options(), 'test_dataloader.dataset.indices=12',
             env={'PORT': str(free_port())})
    assert 'coco/AP' in json.loads(out.read_text())
    predictions = json.loads((tmp_path / 'test.keypoints.json').read_text())
    assert {p['image_id'] for p in predictions} <= {img['id'] for img in json.loads(
        (data_dir('coco_mini') / SETS['coco_mini'][1]).read_text())['images']}
