"""The benchmark's and the study's reports assembled from hand-made results: the tables' cells are the numbers
given, the verdict is the claim's, the figures are written."""
import pickle

import cv2
import numpy as np

from mmpose_mdn.viewpoint.report import (benchmark_report, study_report, write_benchmark_report,
                                         write_study_report)

COMPONENTS = dict(people=20, median_largest_pi=0.81, mean_pi_front=[0.7, 0.3], mean_pi_back=[0.2, 0.8],
                  component_spread_px=5.04, mirror_distance_px=6.0, chosen_error_px=1.5, oracle_error_px=1.25,
                  oracle_differs=0.1, oracle_agreement=0.95, chosen_agreement=0.9)


def metrics(ap, agreement=None, counts=None):
    m = {'coco/AP': ap, 'coco/AP .5': 2 * ap, 'coco/AP .75': ap / 2, 'coco/AR': 3 * ap, 'viewpoint/lr_order': 0.6,
         'viewpoint/lr_order_visible': 0.7, 'viewpoint/lr_order_hidden': 0.5}
    if agreement is not None:
        m.update({'viewpoint/agreement': agreement, 'viewpoint/agreement_visible': agreement + 0.05})
        m.update({f'viewpoint/{v}_c{i}': c for v, row in zip(('front', 'back', 'side'), counts)
                  for i, c in enumerate(row)})
    return m


def results():
    return {s: dict(L1=dict(metrics=metrics(ap_l1), components=None, train_s=60),
                    MDN2=dict(metrics=metrics(ap, agree, counts), components=dict(COMPONENTS), train_s=70))
            for s, ap_l1, ap, agree, counts in ((0, 0.04, 0.06, 0.8, [[9, 1], [2, 8], [1, 1]]),
                                                (1, 0.06, 0.08, 0.9, [[0, 10], [10, 0], [2, 0]]))}


def test_benchmark_report():
    lines = benchmark_report(results(), 'python benchmarks/viewpoint_benchmark.py --seeds 0 1', 120, 2).splitlines()
    assert lines[2] == ("**The paper's claim is reproduced** on 2 seed(s): MDN2 AP 0.070 vs L1 0.050 (1.40×, target "
                        '≥ 1×), its components agree with the viewpoint on 0.90 of the front/back people whose cue is '
                        'visible (target ≥ 0.80).')
    assert '2 seed(s) (0, 1), 2.0 min wall time on 2 CPU core(s)' in lines[4]
    std = np.std([0.04, 0.06], ddof=1)
    assert f'| L1 | 0.050 ± {std:.3f} | 0.100 ± {2 * std:.3f} |' in lines[8]
    assert lines[9].startswith('| MDN2 | 0.070 ± ') and lines[9].endswith('| 0.600 ± 0.000 | 0.850 ± 0.071 | 70 |')
    assert '| 1 | 0.060 | 0.080 | 0.900 |' in lines
    assert f'MDN2 {np.mean([1.5, 0.08 / 0.06]):.3f} ± {np.std([1.5, 0.08 / 0.06], ddof=1):.3f}.' in '\n'.join(lines)
    assert '| MDN2 | 0.700 ± 0.000 | 0.500 ± 0.000 | 0.900 ± 0.071 |' in lines  # by cue
    # seed 1 names the components the other way round: aligned, front's first
    assert '| front | 0.95 | 0.05 | 10 |' in lines and '| back | 0.10 | 0.90 | 10 |' in lines
    assert '| side | 0.25 | 0.75 | 2 |' in lines
    assert '| 1 | MDN2 | 0.81 | (0.70, 0.30) | (0.20, 0.80) | 5.0 | 1.50 / 1.25 | 6.0 | 0.95 / 0.90 |' in lines
    assert {'![AP](ap.png)', '![components by viewpoint](components.png)', '![examples](examples.png)'} <= set(lines)


def test_no_verdict_without_mdn2():
    res = {s: {'L1': r['L1']} for s, r in results().items()}
    text = benchmark_report(res, 'cmd', 60, 2)
    assert text.splitlines()[2].startswith('No verdict') and 'components.png' not in text


def study_results():
    spec = ('MDN2', 'kmeans+lik300', 0.5, 1.0)
    res = [dict(r['MDN2'], seed=s, epochs=20, probe=dict(backbone_val_acc=acc))
           for (s, r), acc in zip(results().items(), (0.9, 0.8))]
    res[1]['metrics']['viewpoint/lr_order_hidden'] = float('nan')  # no hidden people matched on that seed
    res[1]['components'] = dict(COMPONENTS, mean_pi_front=[0.3, 0.7], mean_pi_back=[0.6, 0.4])
    return {'ambiguity': [(spec, res), (('L1', 'base', 0.5, 1.0), [])]}


def test_study_report():
    lines = study_report(study_results(), [0, 1], 'cmd', {'ambiguity': 'ambiguity.png'}).splitlines()
    row = next(line for line in lines if line.startswith('| MDN2 |'))
    cells = row.strip('|').split(' | ')
    assert cells[:5] == [' MDN2', 'kmeans+lik300', '0.5', '20', '0,1']
    assert cells[5] == f'0.070 ± {np.std([0.06, 0.08], ddof=1):.3f}' and cells[9] == '0.500'  # the seed with one
    # the front component: c0 (0.7 vs 0.2) on seed 0, c1 (0.7 vs 0.4) on seed 1
    assert cells[12:] == ['0.70 / 0.30', '1.50 / 1.25', '0.950 ± 0.000', '0.850 ± 0.071 ']
    assert not any(line.startswith('| L1 |') for line in lines) and '![ambiguity](ambiguity.png)' in lines


def test_figures_are_written(tmp_path):
    img = tmp_path / '000001.jpg'
    cv2.imwrite(str(img), np.full((32, 32, 3), 90, np.uint8))
    kpts = np.random.default_rng(0).uniform(4, 28, (1, 17, 2))
    for name, comps in (('L1', None), ('MDN2', np.array([1]))):
        pred = dict(bbox_scores=np.array([0.9]), keypoints=kpts, **({} if comps is None else dict(components=comps)))
        sample = dict(img_path=str(img), pred_instances=pred, raw_ann_info=[dict(bbox=[4, 4, 20, 24],
                                                                                 viewpoint='back')])
        with open(tmp_path / f'{name}.pkl', 'wb') as f:
            pickle.dump([sample, sample], f)
    path = write_benchmark_report(results(), str(tmp_path), 'cmd', 60,
                                  {n: str(tmp_path / f'{n}.pkl') for n in ('L1', 'MDN2')})
    assert path.endswith('report.md') and (tmp_path / 'results.json').is_file()
    examples = cv2.imread(str(tmp_path / 'examples.png'))
    assert examples.shape == (2 * (24 + 64), 2 * 64, 3), 'a titled row of two tiles at twice the size per model'
    write_study_report(study_results(), [0, 1], str(tmp_path), 'cmd', {'ambiguity': (2, 'hidden share')})
    assert all((tmp_path / png).stat().st_size > 0 for png in ('ap.png', 'components.png', 'ambiguity.png'))
