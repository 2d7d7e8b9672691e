"""The viewpoint benchmark's CI variant: `demo/viewpoint_benchmark.py --quick` generates the scenes, trains and
tests the four models with tools/train.py and tools/test.py, and writes the report with its plots."""
import json
import math
import subprocess
import sys

from conftest import ROOT

MODELS = ('L1', 'MDN1', 'MDN2', 'MDN3')


def test_quick_benchmark_trains_evaluates_and_reports(tmp_path):
    proc = subprocess.run([sys.executable, 'demo/viewpoint_benchmark.py', '--quick', '--work-dir', str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert 'Epoch(train)' in proc.stdout and 'Epoch(test)' in proc.stdout, 'progress is shown while it runs'
    report = (tmp_path / 'report.md').read_text()
    assert all(f'| {name} |' in report for name in MODELS)
    assert all((tmp_path / png).stat().st_size > 0 for png in ('ap.png', 'components.png', 'examples.png'))
    results = json.loads((tmp_path / 'results.json').read_text())['0']
    for name in MODELS:
        metrics = results[name]['metrics']
        assert math.isfinite(metrics['coco/AP']) and 0 <= metrics['viewpoint/matched'] <= 1
        assert ('viewpoint/agreement' in metrics) == (name != 'L1')
