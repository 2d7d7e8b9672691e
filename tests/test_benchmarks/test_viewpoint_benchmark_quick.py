"""The viewpoint benchmark's CI variant: `benchmarks/viewpoint_benchmark.py --quick` (one run of the command line,
shared by the tests) generates the scenes, trains and tests the four models in-process, reads the components of
MDN2/MDN3 at the annotated people, and writes the report with its plots; `benchmarks/mdn_components.py` on its
checkpoints gives the report's numbers and refuses what it cannot read."""
import json
import math
import os
import re

import numpy as np
import pytest
from conftest import ROOT, call_tool, load_script

MODELS = ('L1', 'MDN1', 'MDN2', 'MDN3')
CONFIG = 'configs/viewpoint/hg-tiny_{}_viewpoint.py'


@pytest.fixture(scope='module')
def quick(tmp_path_factory):
    """The work dir, the console output and seed 0's results of one quick run."""
    path = tmp_path_factory.mktemp('viewpoint_benchmark')
    # --jobs 1: the runs in this process (spawned runs give the same results: checked by hand, and
    # tests/test_experiments/test_processes.py tests the spawning)
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(ROOT / 'benchmarks'))  # its runner package, imported from beside it as python does
        mp.setenv('OMP_NUM_THREADS', os.environ.get('OMP_NUM_THREADS', '1'))  # the runner sets it; undone after
        run = call_tool('benchmarks/viewpoint_benchmark.py', '--quick', '--jobs', '1', '--work-dir', path)
    return path, run.stdout, json.loads((path / 'results.json').read_text())['0']


def checkpoint(path, name):
    return (path / 'seed0' / name / 'last_checkpoint').read_text().strip()


def test_progress_report_and_verdict(quick):
    path, stdout, results = quick
    assert 'seed 0 MDN2: Epoch(train) [1][6/6] loss: ' in stdout and 'seed 0 L1: Epoch(test) [2/2] coco/AP: ' in stdout
    assert all((path / 'seed0' / n / log).stat().st_size > 0 for n in MODELS for log in ('train.log', 'test.log'))
    report = (path / 'report.md').read_text()
    verdict = re.match(r"\*\*The paper's claim is (not )?reproduced\*\* on 1 seed\(s\): "
                       r'MDN2 AP ([\d.]+) vs L1 ([\d.]+) .* agree with the viewpoint on ([\d.]+|nan) of',
                       report.splitlines()[2])
    assert verdict, report.splitlines()[2]
    ap_mdn, ap_l1 = (results[n]['metrics']['coco/AP'] for n in ('MDN2', 'L1'))
    agreement = results['MDN2']['metrics']['viewpoint/agreement_visible']  # the default data hide some cues
    assert verdict.group(2, 3) == (f'{ap_mdn:.3f}', f'{ap_l1:.3f}') and verdict.group(4) == f'{agreement:.2f}'
    assert (verdict.group(1) is None) == (ap_mdn >= ap_l1 and agreement >= 0.8)
    assert all(f'| {name} |' in report for name in MODELS) and '| 0 | MDN3 |' in report
    assert all((path / png).stat().st_size > 0 for png in ('ap.png', 'components.png', 'examples.png'))


def test_every_model_is_tested(quick):
    _, _, results = quick
    for name in MODELS:
        metrics = results[name]['metrics']
        assert math.isfinite(metrics['coco/AP']) and 0 <= metrics['viewpoint/matched'] <= 1
        assert ('viewpoint/agreement' in metrics) == (name != 'L1')
        assert (results[name]['components'] is not None) == (name in ('MDN2', 'MDN3'))


def test_components_command_gives_the_reported_numbers(quick, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / 'benchmarks'))  # as python does for a script: its runner beside it
    path, _, results = quick
    data = path / 'data' / 'seed0'
    people = [a for a in json.loads((data / 'annotations' / 'viewpoint_val.json').read_text())['annotations']
              if a['viewpoint'] in ('front', 'back') and a['num_keypoints'] > 0]
    call_tool('benchmarks/mdn_components.py', CONFIG.format('mdn3'), checkpoint(path, 'MDN3'), data,
              '--out', tmp_path / 'components.json')
    summary = json.loads((tmp_path / 'components.json').read_text())
    assert summary.keys() == results['MDN3']['components'].keys() and summary['people'] == len(people)
    for key, value in results['MDN3']['components'].items():  # torch's thread count may differ from the run's
        np.testing.assert_allclose(summary[key], value, rtol=1e-5, err_msg=key)
    assert all(math.isclose(sum(summary[f'mean_pi_{v}']), 1, abs_tol=2e-3) for v in ('front', 'back'))
    assert 1 / 3 <= summary['median_largest_pi'] <= 1 and 0 <= summary['oracle_differs'] <= 1
    assert 0 <= summary['oracle_error_px'] <= summary['chosen_error_px'] and summary['mirror_distance_px'] > 0


def test_components_command_refuses_what_it_cannot_read(quick, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / 'benchmarks'))
    path, _, _ = quick
    data = path / 'data' / 'seed0'
    run = call_tool('benchmarks/mdn_components.py', CONFIG.format('mdn1'), checkpoint(path, 'MDN1'), data,
                    check=False)
    assert run.returncode != 0 and '>= 2 components' in run.stderr
    ckpt = checkpoint(path, 'MDN2')
    run = call_tool('benchmarks/mdn_components.py', CONFIG.format('mdn3'), ckpt, data, check=False)
    assert run.returncode != 0 and 'with another shape' in run.stderr and ckpt in run.stderr, 'MDN2 under MDN3'


def test_calibration_command_on_the_quick_runs(quick, tmp_path):
    """benchmarks/calibration.py on the quick run's MDN2: it tests the checkpoint on a calibration split of another
    scene seed and, on the val scenes, plainly and with person_score='expected_oks'; the plain AP is the one the
    benchmark reported, the report has its row and verdicts, and a second call reads the cache."""
    path, _, results = quick
    calibration = load_script('benchmarks/calibration.py')
    args = ['--work-dir', str(path), '--seeds', '0', '--models', 'MDN2', '--report', str(tmp_path / 'cal.md')]
    calibration.main(args)
    run = path / 'seed0' / 'MDN2'
    cached = json.loads((run / 'calibration.json').read_text())
    assert cached['ap']['plain'] == pytest.approx(results['MDN2']['metrics']['coco/AP'], abs=1e-9)
    assert 0 <= cached['ap']['expected_oks'] <= 1 and 'before' in cached['val']
    assert cached['keypoint_temperatures'] is None or 0 <= cached['ap']['expected_oks_per_keypoint'] <= 1
    assert (path / 'calibration_data' / 'seed0' / 'annotations' / 'viewpoint_val.json').exists()
    scenes = json.loads((path / 'calibration_data' / 'seed0' / 'annotations' / 'viewpoint_val.json').read_text())
    val = json.loads((path / 'data' / 'seed0' / 'annotations' / 'viewpoint_val.json').read_text())
    assert len(scenes['images']) == len(val['images']) and scenes['annotations'] != val['annotations']
    report = (tmp_path / 'cal.md').read_text()
    assert '| 0 | MDN2 |' in report and '- MDN2: ' in report
    mtime = (run / 'calibration.json').stat().st_mtime_ns
    calibration.main(args)
    assert (run / 'calibration.json').stat().st_mtime_ns == mtime
    # --runs: run folders laid out .../<MODEL>/seed<S> (the plateau runs'), here the cached result in that layout
    folder = tmp_path / 'plateau' / 'MDN2_start' / 'seed0'
    folder.mkdir(parents=True)
    (folder / 'calibration.json').write_bytes((run / 'calibration.json').read_bytes())
    calibration.main(['--runs', str(folder), '--report', str(tmp_path / 'runs.md')])
    assert '| 0 | MDN2_start |' in (tmp_path / 'runs.md').read_text()
    with pytest.raises(ValueError, match='not a run folder'):
        calibration.main(['--runs', str(tmp_path / 'plateau' / 'MDN2_start')])
