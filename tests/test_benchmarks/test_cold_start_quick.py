"""`benchmarks/cold_start.py --quick` in-process: trains L1 and an MDN with the data start on coco_test4 for 2
iterations, scores the checkpoint with refinement on and off, records the backbone's dynamics, resumes from its
cache, and writes the report and its plots."""
import json

import pytest

from conftest import data_dir, load_script

cold_start = load_script('benchmarks/cold_start.py')  # the command line
cs = cold_start.cs  # mmpose_mdn.experiments.cold_start: the runs and the report


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
    cold_start.main(args[:-4])  # without --report and --plots-dir
    assert (tmp_path / 'work' / 'coco_test4' / 'L1' / 'seed7' / 'scores.json').stat().st_mtime_ns == mtime


def test_every_run_starts_from_the_papers_recipe_then_its_variant(tmp_path):
    """The configs' default MDN start (data start, beta 1, weight 0.03) never leaks into a 'paper' run: each run is
    the paper's recipe plus exactly its variant, on every regime; the schedule keeps its lr step at 80 %."""
    data_dir('coco_mini')
    for regime in cs.REGIMES:
        paper, *_ = cs.build_cfg(regime, 'MDN3', 'paper', 5, 2000, 250, str(tmp_path / regime))
        assert paper.model.head.offset_loss == dict(type='MDNLoss', loss_weight=0.1)
        assert paper.model.head.min_sigma == 10 and paper.model.head.num_components == 3
        assert [h['type'] for h in paper.custom_hooks if h['type'].startswith('MDN')] == []
        l1, *_ = cs.build_cfg(regime, 'L1', 'paper', 5, 2000, 250, str(tmp_path / regime))
        assert l1.model.head.num_components is None and l1.model.head.offset_loss is None
        chosen, epochs, every, per_epoch = cs.build_cfg(regime, 'MDN1', 'data+beta+w0.03+reset300', 5, 2000,
                                                                250, str(tmp_path / regime), stop=1000)
        assert chosen.model.head.offset_loss == dict(type='MDNLoss', loss_weight=0.03, beta=1.0)
        hooks = {h['type']: h for h in chosen.custom_hooks}
        assert (hooks['MDNDataInitHook']['mean_init'], hooks['MDNDataInitHook']['sigma_init']) == ('kmeans', 'ml')
        assert hooks['OptimizerStateResetHook']['iters'] == [300]
        assert epochs * per_epoch <= 1000 < (epochs + 1) * per_epoch and chosen.randomness.seed == 5
        if regime != 'viewpoint':  # its own schedule is 2000 iterations already
            (step, ) = [s for s in chosen.param_scheduler if s['type'] == 'MultiStepLR']
            assert step['milestones'] == [int(2000 // per_epoch * 0.8)]
    with pytest.raises(ValueError, match='unknown variant'):
        cs.variant_options('data+bogus')
