"""`benchmarks/cold_start.py --quick` in-process: trains L1 and an MDN with the data start on coco_test4 for 2
iterations, scores the checkpoint with refinement on and off, records the backbone's dynamics, resumes from its
cache, and writes the report and its plots."""
import json

from conftest import data_dir, load_script

cold_start = load_script('benchmarks/cold_start.py')


def test_quick_run_end_to_end(tmp_path):
    data_dir('coco_test4')
    args = ['--quick', '--models', 'L1', 'MDN3', '--variants', 'data+beta', '--seeds', '7', '--jobs', '1',
            '--work-dir', str(tmp_path / 'work'), '--report', str(tmp_path / 'report.md'),
            '--plots-dir', str(tmp_path / 'plots')]
    cold_start.main(args)
    for name in ('L1', 'MDN3_data+beta'):
        run = tmp_path / 'work' / 'coco_test4' / name / 'seed7'
        scores = json.loads((run / 'scores.json').read_text())
        assert sorted(scores) == ['2/off', '2/on'] and all(0 <= v <= 1 for v in scores.values())
        dynamics = [json.loads(line) for line in (run / 'training_dynamics.jsonl').read_text().splitlines()]
        assert [d['iter'] for d in dynamics] == [0]  # every 25 iterations: the first only
        assert dynamics[0]['grad_norm/loss_kpt_heatmap'] > 0 and dynamics[0]['adam/step_rms'] > 0
        if name == 'L1':
            assert dynamics[0]['grad_norm/loss_offset'] > 0
        else:  # the data start zeroes the mixture's output weights: no gradient reaches the backbone at step 0
            assert dynamics[0]['grad_norm/loss_mdn'] == 0
    log = next((tmp_path / 'work' / 'coco_test4' / 'MDN3_data+beta' / 'seed7').glob('*/*.log')).read_text()
    assert 'MDNDataInitHook: means' in log  # the variant's start was applied
    report = (tmp_path / 'report.md').read_text()
    assert '| L1 | on |' in report and '| MDN3_data+beta | off |' in report
    assert (tmp_path / 'plots' / 'cold_start_coco_test4.png').stat().st_size > 0
    assert (tmp_path / 'plots' / 'cold_start_coco_test4_dynamics.png').stat().st_size > 0
    # cached: a second call trains and scores nothing again
    mtime = (tmp_path / 'work' / 'coco_test4' / 'L1' / 'seed7' / 'scores.json').stat().st_mtime_ns
    cold_start.main(args)
    assert (tmp_path / 'work' / 'coco_test4' / 'L1' / 'seed7' / 'scores.json').stat().st_mtime_ns == mtime
