"""The viewpoint benchmark's CI variant: `benchmarks/viewpoint_benchmark.py --quick` generates the scenes, trains
and tests the four models with tools/train.py and tools/test.py, reads the components of MDN2/MDN3 at the
annotated people with benchmarks/mdn_components.py, and writes the report with its plots."""
import json
import math
import re
import subprocess
import sys

from conftest import ROOT, run_tool

MODELS = ('L1', 'MDN1', 'MDN2', 'MDN3')


def test_quick_benchmark_trains_evaluates_and_reports(tmp_path):
    proc = subprocess.run([sys.executable, 'benchmarks/viewpoint_benchmark.py', '--quick', '--work-dir',
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert 'Epoch(train)' in proc.stdout and 'Epoch(test)' in proc.stdout, 'progress is shown while it runs'
    report = (tmp_path / 'report.md').read_text()
    verdict = re.match(r"\*\*The paper's claim is (not )?reproduced\*\* on 1 seed\(s\): "
                       r'MDN2 AP ([\d.]+) vs L1 ([\d.]+) .* agree with the viewpoint on ([\d.]+|nan) of',
                       report.splitlines()[2])
    assert verdict, report.splitlines()[2]
    assert all(f'| {name} |' in report for name in MODELS)
    assert all((tmp_path / png).stat().st_size > 0 for png in ('ap.png', 'components.png', 'examples.png'))
    results = json.loads((tmp_path / 'results.json').read_text())['0']
    ap_mdn, ap_l1 = (results[n]['metrics']['coco/AP'] for n in ('MDN2', 'L1'))
    agreement = results['MDN2']['metrics']['viewpoint/agreement_visible']  # the default data hide some cues
    assert verdict.group(2, 3) == (f'{ap_mdn:.3f}', f'{ap_l1:.3f}') and verdict.group(4) == f'{agreement:.2f}'
    assert (verdict.group(1) is None) == (ap_mdn >= ap_l1 and agreement >= 0.8)
    for name in MODELS:
        metrics = results[name]['metrics']
        assert math.isfinite(metrics['coco/AP']) and 0 <= metrics['viewpoint/matched'] <= 1
        assert ('viewpoint/agreement' in metrics) == (name != 'L1')

    data = tmp_path / 'data' / 'seed0'
    people = [a for a in json.loads((data / 'annotations' / 'viewpoint_val.json').read_text())['annotations']
              if a['viewpoint'] in ('front', 'back') and a['num_keypoints'] > 0]
    summary = json.loads((tmp_path / 'seed0' / 'MDN3' / 'components.json').read_text())
    assert summary == results['MDN3']['components'] and '| 0 | MDN3 |' in report
    assert summary['people'] == len(people)
    assert all(math.isclose(sum(summary[f'mean_pi_{v}']), 1, abs_tol=2e-3) for v in ('front', 'back'))
    assert 1 / 3 <= summary['median_largest_pi'] <= 1 and 0 <= summary['oracle_differs'] <= 1
    assert 0 <= summary['oracle_error_px'] <= summary['chosen_error_px'] and summary['mirror_distance_px'] > 0
    ckpt = (tmp_path / 'seed0' / 'MDN1' / 'last_checkpoint').read_text().strip()
    proc = run_tool('benchmarks/mdn_components.py', 'configs/viewpoint/hg-tiny_mdn1_viewpoint.py', ckpt, data,
                    check=False)
    assert proc.returncode != 0 and '>= 2 components' in proc.stderr
    ckpt = (tmp_path / 'seed0' / 'MDN2' / 'last_checkpoint').read_text().strip()
    proc = run_tool('benchmarks/mdn_components.py', 'configs/viewpoint/hg-tiny_mdn3_viewpoint.py', ckpt, data,
                    check=False)
    assert proc.returncode != 0 and 'with another shape' in proc.stderr and ckpt in proc.stderr, 'MDN2 under MDN3'
