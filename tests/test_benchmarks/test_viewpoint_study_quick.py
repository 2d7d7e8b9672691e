"""The viewpoint study's CI variant: `benchmarks/viewpoint_study.py --quick` trains and tests runs with a variant's
config (the data-driven start and the loss schedule active in real training), probes them, caches each result, and
resumes from the cache instead of training again; `benchmarks/viewpoint_probe.py` on a run gives its probe."""
import json
import os

import numpy as np
import pytest
from conftest import ROOT, call_tool, scalars

from mmpose_mdn.engine import MDNLossScheduleHook

STUDY = 'benchmarks/viewpoint_study.py'
RUNS = ('MDN2-kmeans+lik30', 'MDN2-rwta-ramp30')


def study(*args, returncode=0):
    """The study's command line in this process (its runner package imported from beside it, as python does)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(ROOT / 'benchmarks'))
        mp.setenv('OMP_NUM_THREADS', os.environ.get('OMP_NUM_THREADS', '1'))  # the runner sets it; undone after
        run = call_tool(STUDY, '--quick', '--groups', 'gate', *args, check=False)
    assert run.returncode == returncode, run.stdout[-4000:] + run.stderr[-4000:]
    return run


@pytest.fixture(scope='module')
def work_dir(tmp_path_factory):
    """The runs of one quick study, started as a user starts it."""
    path = tmp_path_factory.mktemp('study')
    # --jobs 1: the runs in this process (spawned runs give the same results: checked by hand)
    study('--only', *RUNS, '--jobs', '1', '--work-dir', path)
    return path


def result(work_dir, name):
    return json.loads((work_dir / 'runs' / f'{name}-s100' / 'result.json').read_text())


def test_runs_are_trained_tested_and_cached(work_dir):
    for name in RUNS:
        r = result(work_dir, name)
        assert r['model'] == 'MDN2' and r['variant'] == name[5:] and r['epochs'] == 1
        assert 'coco/AP' in r['metrics'] and r['components']['people'] > 0
        assert r['probe']['people']['val'] == r['components']['people']
        assert (work_dir / 'configs' / f'{name}-s100.py').is_file()
    report = (work_dir / 'study.md').read_text()
    assert '| MDN2 | kmeans+lik30 |' in report and '| MDN2 | rwta-ramp30 |' in report


def test_variants_act_in_real_training(work_dir):
    log = (work_dir / 'runs' / 'MDN2-kmeans+lik30-s100' / 'train.log').read_text()
    shares = json.loads(log.split('MDNDataInitHook: means 2 centroids, shares ')[1].split(']')[0] + ']')
    assert len(shares) == 2 and abs(sum(shares) - 1) < 0.02, 'the k-means start was applied and logged'
    records = [r for r in scalars(work_dir / 'runs' / 'MDN2-rwta-ramp30-s100') if 'responsibility_floor' in r]
    hook = MDNLossScheduleHook(responsibility_floor=[(0, 0.5), (1000, 0.0)], pi_weight=[(1000, 1.0), (1200, 30.0)])
    assert len(records) == 6
    for r in records:  # logged after iteration `step`, set before it (0-based step - 1)
        expected = hook.values_at(r['step'] - 1)
        np.testing.assert_allclose([r['responsibility_floor'], r['pi_weight']],
                                   [expected['responsibility_floor'], expected['pi_weight']], rtol=1e-6)


def test_probe_command_gives_the_run_s_probe(work_dir, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / 'benchmarks'))  # as python does for a script: its runner beside it
    run = work_dir / 'runs' / 'MDN2-kmeans+lik30-s100'
    call_tool('benchmarks/viewpoint_probe.py', work_dir / 'configs' / 'MDN2-kmeans+lik30-s100.py',
              (run / 'last_checkpoint').read_text().strip(), work_dir / 'data' / 'seed100', '--out',
              tmp_path / 'probe.json')
    assert json.loads((tmp_path / 'probe.json').read_text()) == result(work_dir, 'MDN2-kmeans+lik30')['probe']


def test_study_resumes_from_its_cache(work_dir):
    before = {n: (work_dir / 'runs' / f'{n}-s100' / 'result.json').stat().st_mtime_ns for n in RUNS}
    listed = study('--list', '--work-dir', work_dir).stdout
    assert all(f'cached  {n}-s100' in listed for n in RUNS) and 'pending MDN2-base-s100' in listed
    out = study('--only', *RUNS, '--work-dir', work_dir).stdout
    assert 'train + test' not in out, 'cached runs are not trained again'
    assert before == {n: (work_dir / 'runs' / f'{n}-s100' / 'result.json').stat().st_mtime_ns for n in RUNS}


def test_unknown_run_is_refused(tmp_path):
    assert 'MDN2-nonsense' in study('--only', 'MDN2-nonsense', '--work-dir', tmp_path, returncode=2).stderr
