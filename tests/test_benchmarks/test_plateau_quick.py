"""`benchmarks/plateau.py --quick` in-process: MDN3 with the chosen start trained on tiny viewpoint scenes, each
checkpoint scored with refinement on (AP and the viewpoint metrics) and off, the last one with the claims' scores
for the report (flip test; the order of the hidden people on fresh scenes; the AP without the third component's
people, from dumped predictions checked against CocoMetric); the same run stopped while scoring scores what is
missing, continued to a longer cap resumes from its checkpoint, and a cached run trains nothing."""
import json

import pytest

from conftest import load_script

plateau = load_script('benchmarks/plateau.py')  # the command line
pl = plateau.pl  # mmpose_mdn.experiments.plateau


def test_quick_run_then_continued_then_cached(tmp_path):
    args = ['--quick', '--runs', 'MDN3:start', '--seeds', '7', '--jobs', '1', '--work-dir', str(tmp_path / 'work'),
            '--report', str(tmp_path / 'report.md'), '--plots-dir', str(tmp_path / 'plots')]
    plateau.main(args)
    run = tmp_path / 'work' / 'ambiguous' / 'MDN3_start' / 'seed7'
    scores = json.loads((run / 'scores.json').read_text())
    assert sorted(scores) == ['2/off', '2/on', '4/off', '4/on']
    assert all('viewpoint/lr_order_hidden' in scores[f'{i}/on'] and 'viewpoint/matched' not in scores[f'{i}/off']
               for i in (2, 4))
    state = json.loads((run / 'state.json').read_text())
    assert state['iters'] == 4 and state['plateaued'] is False  # 2 scores: too few to call a plateau
    log = next(run.glob('*/*.log')).read_text()
    assert 'MDNDataInitHook: means' in log and 'num_components=3' in log
    claims = json.loads((run / 'claims.json').read_text())
    assert sorted(claims) == ['flip_off', 'flip_on', 'fresh', 'iters', 'others', 'share_others', 'without_off',
                              'without_on']
    assert claims['iters'] == 4 and len(claims['others']) == 1 and 'lr_order_hidden_balanced' in claims['fresh']
    fresh = tmp_path / 'work' / 'data' / 'ambiguous_seed7'
    assert len(list((fresh / 'test').glob('*.jpg'))) == 8 and len(list((fresh / 'val').glob('*.jpg'))) == 8
    report = (tmp_path / 'report.md').read_text()
    assert '| MDN3_start | 1 | 4 | no |' in report and '| c | MDN3 uses two modes |' in report
    assert (tmp_path / 'plots' / 'plateau_ambiguous.png').stat().st_size > 0
    # stopped while scoring: the same call scores what is missing and trains nothing
    (run / 'scores.json').write_text(json.dumps({k: v for k, v in scores.items() if k != '4/off'}))
    pl.train_until_plateau(('ambiguous', 'MDN3', 'start', 7, 4, 2, 4, str(tmp_path / 'work'), 'quick', 8))
    assert json.loads((run / 'scores.json').read_text()) == scores and not (run / 'epoch_3.pth').exists()
    # a longer cap: the run resumes at iteration 4 and scores the new checkpoint only
    pl.train_until_plateau(('ambiguous', 'MDN3', 'start', 7, 2, 2, 6, str(tmp_path / 'work'), 'quick', 8))
    continued = json.loads((run / 'scores.json').read_text())
    assert {k: continued[k] for k in scores} == scores and sorted(continued) == sorted(scores) + ['6/off', '6/on']
    assert json.loads((run / 'state.json').read_text())['iters'] == 6
    assert any(f'Auto resumed from the latest checkpoint {run / "epoch_2.pth"}' in f.read_text()
               for f in run.glob('*/*.log'))
    mtime = (run / 'scores.json').stat().st_mtime_ns
    plateau.main(args[:-4])  # cached: nothing trained or scored again (and no report)
    assert (run / 'scores.json').stat().st_mtime_ns == mtime


def test_a_run_has_plateaued_when_both_curves_have():
    """Refinement on (heatmaps snapping the keypoints) may stop rising while the offsets alone still learn."""
    flat = {i: 0.18 + 0.001 * (i % 2) for i in range(1000, 9000, 1000)}  # 8 scores, rise ~0
    rising = {i: 0.01 * i / 1000 for i in flat}  # +0.01 every 1000 iterations: 0.02 over the last quarter
    scores = {f'{i}/on': {'coco/AP': flat[i]} for i in flat} | {f'{i}/off': {'coco/AP': rising[i]} for i in flat}
    state = pl.run_state(scores, min_scores=8)
    assert not state['plateaued'] and state['rise']['off'] == pytest.approx(0.02) and abs(state['rise']['on']) < 0.01
    both_flat = scores | {f'{i}/off': {'coco/AP': flat[i]} for i in flat}
    assert pl.run_state(both_flat, min_scores=8)['plateaued'] and not pl.run_state(both_flat, 9)['plateaued']
    assert pl.run_state({'1000/on': {'coco/AP': 0.1}, '1000/off': {'coco/AP': 0.0}}, 8) == dict(plateaued=False,
                                                                                                   rise=None)
