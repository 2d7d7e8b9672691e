"""`benchmarks/plateau.py --quick` in-process: MDN3 with the chosen start trained on tiny viewpoint scenes, each
checkpoint scored with refinement on (AP and the viewpoint metrics) and off, the last one with the claims' scores
for the report (flip test; the order of the hidden people on fresh scenes; the AP without the third component's
people, from dumped predictions checked against CocoMetric); the same run stopped while scoring scores what is
missing, continued to a longer cap resumes from its checkpoint, a run stopped part-way through a chunk ends as one
never stopped, and a cached run trains nothing; then the finished run
continued after a final lr step (``--lr-step``), Adam's moments and the iteration count kept, and its AP per seed
written into a README's section (``--readme``); on another machine
(other work dirs, no checkpoint) the runs' records give the same reports and nothing is trained."""
import json
import shutil

import matplotlib.pyplot as plt
import pytest
import torch

from conftest import load_script
from mmpose_mdn.experiments import generated_sections, lr_step, processes, records
from mmpose_mdn.utils import load_local_checkpoint

plateau = load_script('benchmarks/plateau.py')  # the command line
pl = plateau.pl  # mmpose_mdn.experiments.plateau


def test_quick_run_then_continued_then_cached(tmp_path, capsys):
    args = ['--quick', '--runs', 'MDN3:start', '--seeds', '7', '--jobs', '1', '--work-dir', str(tmp_path / 'work'),
            '--records', str(tmp_path / 'records'), '--report', str(tmp_path / 'report.md'), '--plots-dir',
            str(tmp_path / 'plots')]
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
    # a regime with no scored run yet gets no section and no (empty) plot
    partial = pl.write_report([('ambiguous', 'MDN3', 'start'), ('visible', 'MDN3', 'start')], [7],
                              str(tmp_path / 'work'), str(tmp_path / 'plots2'), 4)
    assert '## ambiguous' in partial and '## visible' not in partial
    assert sorted(p.name for p in (tmp_path / 'plots2').iterdir()) == ['plateau_ambiguous.png']
    # where no one hides the cue, no panel for the hidden people's order: two panels (AP on, off), not three
    seen = tmp_path / 'seen' / 'visible' / 'MDN3_start' / 'seed7'
    seen.mkdir(parents=True)
    for name in ('scores.json', 'state.json'):
        shutil.copy(run / name, seen / name)
    pl.write_report([('visible', 'MDN3', 'start')], [7], str(tmp_path / 'seen'), str(tmp_path / 'plots2'), 4)
    width = {r: plt.imread(tmp_path / 'plots2' / f'plateau_{r}.png').shape[1] for r in ('ambiguous', 'visible')}
    assert width['visible'] * 3 == width['ambiguous'] * 2
    # stopped part-way through a chunk, after its checkpoint at 2: the chunk restarts from its start, so the run ends
    # with the weights of the run never stopped (resumed at 2, its random streams would restart there)
    stopped = tmp_path / 'stopped' / 'ambiguous' / 'MDN3_start' / 'seed7'
    shutil.copytree(run, stopped)
    (tmp_path / 'stopped' / 'data').symlink_to(tmp_path / 'work' / 'data')
    (stopped / 'epoch_2.pth').unlink()
    (stopped / 'last_checkpoint').write_text(str(stopped / 'epoch_1.pth'))
    (stopped / 'state.json').write_text(json.dumps(dict(iters=0, train_s=0.0)))
    job = ('ambiguous', 'MDN3', 'start', 7, 4, 2, 4, str(tmp_path / 'stopped'), 'quick', 8)
    list(processes.run_jobs(pl.train_until_plateau, [job], 1))
    weights = [load_local_checkpoint(str(folder / 'epoch_2.pth'))['state_dict'] for folder in (run, stopped)]
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    assert json.loads((stopped / 'state.json').read_text())['iters'] == 4
    # stopped after the chunk, before its state was written: the chunk's last checkpoint says it finished
    mtime = (stopped / 'epoch_2.pth').stat().st_mtime_ns
    (stopped / 'state.json').write_text(json.dumps(dict(iters=0, train_s=0.0)))
    pl.train_until_plateau(job)
    assert (stopped / 'epoch_2.pth').stat().st_mtime_ns == mtime
    assert json.loads((stopped / 'state.json').read_text())['iters'] == 4
    # stopped while scoring: the same call scores what is missing and trains nothing
    (run / 'scores.json').write_text(json.dumps({k: v for k, v in scores.items() if k != '4/off'}))
    pl.train_until_plateau(('ambiguous', 'MDN3', 'start', 7, 4, 2, 4, str(tmp_path / 'work'), 'quick', 8))
    assert json.loads((run / 'scores.json').read_text()) == scores and not (run / 'epoch_3.pth').exists()
    # a longer cap: the run resumes at iteration 4 and scores the new checkpoint only
    pl.train_until_plateau(('ambiguous', 'MDN3', 'start', 7, 2, 2, 6, str(tmp_path / 'work'), 'quick', 8))
    continued = json.loads((run / 'scores.json').read_text())
    assert {k: continued[k] for k in scores} == scores and sorted(continued) == sorted(scores) + ['6/off', '6/on']
    assert json.loads((run / 'state.json').read_text())['iters'] == 6
    assert any(f'Load checkpoint from {run / "epoch_2.pth"}' in f.read_text() and 'resumed epoch: 2, iter: 4'
               in f.read_text() for f in run.glob('*/*.log'))
    mtime = (run / 'scores.json').stat().st_mtime_ns
    plateau.main(args[:-4])  # cached: nothing trained or scored again (and no report)
    assert (run / 'scores.json').stat().st_mtime_ns == mtime
    # a final lr step: the finished run (6 iterations, the quick cap 4) continued 2 iterations at its lr x 0.1
    step_args = args[:-4] + ['--lr-step', '0.1', '--step-dir', str(tmp_path / 'step'), '--report',
                             str(tmp_path / 'final.md'), '--step-report', str(tmp_path / 'step.md'), '--plots-dir',
                             str(tmp_path / 'plots')]
    plateau.main(step_args)
    stepped = tmp_path / 'step' / 'ambiguous' / 'MDN3_start' / 'seed7'
    plateau_ckpt = load_local_checkpoint(str(run / 'epoch_3.pth'))
    lr = plateau_ckpt['optimizer']['param_groups'][0]['lr']
    copied = load_local_checkpoint(str(stepped / 'epoch_3.pth'))
    assert [g['lr'] for g in copied['optimizer']['param_groups']] == [0.1 * lr]
    last = load_local_checkpoint(str(stepped / 'epoch_4.pth'))
    # the quick run is still in its 50-iteration warm-up, which goes on scaling the stepped lr (x 1.17 from 6 to 8)
    assert 0.1 * lr < last['optimizer']['param_groups'][0]['lr'] < 0.2 * lr
    assert last['meta']['iter'] == 8  # the iteration count goes on
    adam = last['optimizer']['state'][0]
    assert float(adam['step']) == 8 == float(plateau_ckpt['optimizer']['state'][0]['step']) + 2  # moments kept
    assert any(f'Load checkpoint from {stepped / "epoch_3.pth"}' in f.read_text() and 'resumed epoch: 3, iter: 6'
               in f.read_text() for f in stepped.glob('*/*.log'))
    step_scores = json.loads((stepped / 'scores.json').read_text())
    assert sorted(step_scores) == ['6/off', '6/on', '8/off', '8/on']
    assert step_scores['6/on'] == continued['6/on']  # the curve starts at the plateau's last score
    state = json.loads((stepped / 'state.json').read_text())
    assert state['from'] == 6 and state['iters'] == 8 and state['finished'] and state['factor'] == 0.1
    assert json.loads((stepped / 'claims.json').read_text())['iters'] == 8
    step_report = (tmp_path / 'step.md').read_text()
    assert '| ambiguous | MDN3_start | 7 | 6 + 2 |' in step_report and 'lr step at 6' in step_report
    assert (tmp_path / 'plots' / 'plateau_ambiguous_lr_step.png').stat().st_size > 0
    # the README's tables: each run's AP per seed at the plateau (the quick cap 4, reached still rising) and after
    # the step, and the claims tables (no claim has all its runs here)
    readme = tmp_path / 'README.md'
    readme.write_text(''.join(f'<!-- begin: {n} -->\n<!-- end: {n} -->\n'
                              for n in ('plateau-claims', 'lr-step-ap', 'lr-step-claims')))
    plateau.main(step_args + ['--report-only', '--readme', str(readme)])
    assert generated_sections.section(str(readme), 'lr-step-ap') == [
        '| regime | run | AP on seeds 7: at the plateau | after the lr step |', '| --- | --- | --- | --- |',
        f'| ambiguous | MDN3_start | {continued["6/on"]["coco/AP"]:.3f} (the 4 cap, not flat) | '
        f'{step_scores["8/on"]["coco/AP"]:.3f} |']
    with pytest.raises(SystemExit):  # the README's tables need both reports
        plateau.main(args + ['--readme', str(readme)])
    assert 'error: --readme needs --report and --step-report' in capsys.readouterr().err
    mtime = (stepped / 'scores.json').stat().st_mtime_ns
    plateau.main(step_args[:-6])  # cached
    assert (stepped / 'scores.json').stat().st_mtime_ns == mtime
    with pytest.raises(RuntimeError, match='stepped at iteration 6 with lr x 0.1, not at 6 with x 0.5'):
        plateau.main(step_args[:-6] + ['--lr-step', '0.5'])
    # another machine: other work dirs, the records only; the same reports, nothing trained or scored
    record = tmp_path / 'records' / 'work' / 'ambiguous' / 'MDN3_start' / 'seed7'
    assert json.loads((record / 'scores.json').read_text()) == continued
    assert json.loads((tmp_path / 'records' / 'step' / 'ambiguous' / 'MDN3_start' / 'seed7' / 'state.json')
                      .read_text()) == state
    other = tmp_path / 'other'
    written = {p: p.stat().st_mtime_ns for p in (tmp_path / 'records').rglob('*.json')}
    plateau.main(['--quick', '--runs', 'MDN3:start', '--seeds', '7', '--jobs', '1', '--work-dir', str(other / 'work'),
                  '--records', str(tmp_path / 'records'), '--lr-step', '0.1', '--step-dir', str(other / 'step'),
                  '--report', str(other / 'report.md'), '--step-report', str(other / 'step.md'), '--plots-dir',
                  str(other / 'plots')])
    assert not list(other.rglob('*.pth')) and not (other / 'work' / 'data').exists()
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / 'records').rglob('*.json')} == written  # not re-saved
    for name, original in (('report.md', 'final.md'), ('step.md', 'step.md')):  # the same but for the command
        assert (other / name).read_text().split('\n')[3:] == (tmp_path / original).read_text().split('\n')[3:]
    with pytest.raises(RuntimeError, match='6 iterations trained, but no checkpoint is here to continue from'):
        pl.train_until_plateau(('ambiguous', 'MDN3', 'start', 7, 2, 2, 8, str(other / 'work'), 'quick', 8))
    job = dict(regime='ambiguous', model='MDN3', recipe='start', seed=7, iters=4, every=2, max_iters=4,
               work_dir=str(other / 'work2'), size='quick', min_scores=8, records=str(tmp_path / 'records'),
               step=dict(factor=0.1, iters=2, every=2, step_dir=str(other / 'step2')))
    (tmp_path / 'records' / 'work2').symlink_to(tmp_path / 'records' / 'work')  # a step of a restored run
    assert records.run(job) is None and 'its lr step cannot be trained here' in capsys.readouterr().out
    with pytest.raises(ValueError, match='ends at iteration 6, not a multiple of the score interval 4'):
        lr_step.train_lr_step(('ambiguous', 'MDN3', 'start', 7, 8, 4, 0.1, str(tmp_path / 'work'), 4,
                               str(tmp_path / 'step2'), 'quick'))
    with pytest.raises(RuntimeError, match=f'{run}: the plateau run has not finished'):
        lr_step.train_lr_step(('ambiguous', 'MDN3', 'start', 7, 4, 2, 0.1, str(tmp_path / 'work'), 100,
                               str(tmp_path / 'step2'), 'quick'))


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
