"""Component ablations and statistics on hand-made MDN predictions with known components (the prediction contract's
fields) against xtcocotools on results written person by person in the test."""
import json

import numpy as np
import pytest

from conftest import SETS, data_dir, xtcocotools_stats
from mmpose_mdn.evaluation import STATS, MDNAnalysis, Predictions, analysis_scalars, component_ablations, write_report
from mmpose_mdn.evaluation.predictions import MDN_FIELDS

M, K = 3, 17
NOISE = (1.0, 4.0, 9.0)  # px of component 0, 1, 2's keypoints around the ground truth


def mdn_samples(seed=0, chosen_exact=False):
    """coco_mini val: per annotated person a prediction whose component m has keypoints within NOISE[m] px of the
    annotation (the chosen one exactly on it with ``chosen_exact``) and scores 0.3 + 0.2 m; the chosen component
    (largest pi) is random; two false positives on images without people. Returns the annotation file's content,
    per image ``img_id`` and ``pred_instances`` of the contract (image pixels), and per prediction (in the order of
    :meth:`Predictions.from_samples`) its annotation."""
    rng = np.random.default_rng(seed)
    gt = json.loads((data_dir('coco_mini') / SETS['coco_mini'][1]).read_text())
    people = [a for a in gt['annotations'] if a['num_keypoints'] > 0 and not a['iscrowd']]
    empty = sorted({i['id'] for i in gt['images']} - {a['image_id'] for a in gt['annotations']})
    by_image = {}
    for a in people + [dict(image_id=empty[0], keypoints=people[0]['keypoints']),
                       dict(image_id=empty[1], keypoints=people[1]['keypoints'])]:
        k = np.array(a['keypoints'], dtype=np.float64).reshape(K, 3)[:, :2]
        ck = k[None] + rng.normal(0, 1, (M, K, 2)) * np.array(NOISE)[:, None, None]
        cs = np.clip(0.3 + 0.2 * np.arange(M)[:, None] + rng.uniform(-0.1, 0.1, (M, K)), 0, 1)
        pi = rng.dirichlet(np.ones(M))
        c = int(pi.argmax())
        if chosen_exact:
            ck[c] = k
        person = dict(annotation=a, keypoints=ck[c], keypoint_scores=cs[c], bbox_scores=rng.uniform(0.3, 1.0),
                      components=c, mixture_probs=pi, component_keypoints=ck, component_keypoint_scores=cs)
        by_image.setdefault(a['image_id'], []).append(person)
    samples = [dict(img_id=i, pred_instances={f: np.array([p[f] for p in ps]) for f in ps[0] if f != 'annotation'})
               for i, ps in by_image.items()]
    return gt, samples, [p['annotation'] for ps in by_image.values() for p in ps]


def reference_results(samples, row: str, score_mode='bbox'):
    """The ablation row's COCO results, person by person (the definitions of the ablations, written out)."""
    results = []
    for s in samples:
        p = s['pred_instances']
        for n in range(len(p['components'])):
            c, pi = p['components'][n], p['mixture_probs'][n]
            kind, k = (row.rsplit(' C', 1) + [None])[:2]
            k = None if k is None else int(k)
            if kind == 'w/o' and c == k or kind == 'keep' and c != k:
                continue
            m = {'all with': k, 'exclude': max((j for j in range(M) if j != k), key=lambda j: pi[j])}.get(kind, c)
            kpts, scores = p['component_keypoints'][n, m], p['component_keypoint_scores'][n, m]
            score = p['bbox_scores'][n]
            if score_mode == 'bbox_keypoint':
                above = scores[scores > 0.2]
                score = score * (above.mean() if len(above) else 0)
            results.append(dict(image_id=int(s['img_id']), category_id=1, score=float(score),
                                keypoints=np.concatenate([kpts, scores[:, None]], 1).reshape(-1).tolist()))
    return results


@pytest.mark.parametrize('score_mode', ['bbox', 'bbox_keypoint'])
def test_every_ablation_equals_xtcocotools_on_its_results(score_mode, tmp_path):
    gt, samples, _ = mdn_samples()
    analysis = MDNAnalysis(str(data_dir('coco_mini') / SETS['coco_mini'][1]), score_mode=score_mode,
                           displacements=(1, ), seeds=(0, ), progress=False)
    out = analysis.run(Predictions.from_samples(samples))
    rows = ['full'] + [f'{kind} C{k}' for kind in ('w/o', 'keep', 'all with', 'exclude') for k in range(M)]
    assert list(out['ablations']) == rows
    for row in rows:
        reference = xtcocotools_stats(gt, reference_results(samples, row, score_mode), analysis.ap.sigmas, tmp_path)
        assert [out['ablations'][row]['all'][s] for s in STATS] == pytest.approx(reference), row
    aps = {row: out['ablations'][row]['all']['AP'] for row in rows}
    # component 0 is the precise one: forcing it everywhere beats the model, forcing component 2 loses to it
    assert aps['all with C0'] > aps['full'] > aps['all with C2']
    assert aps['exclude C0'] < aps['full'] < aps['exclude C2']
    assert out['keypoint_groups']['model']['All'] == aps['full']


def test_rows_that_keep_the_same_people_are_scored_once(tmp_path):
    """Every person chose component 1 (a collapsed mixture): 'w/o C0', 'keep C1' and 'all with C1' keep the people
    of 'full', 'keep C0' and 'w/o C1' nobody. Each distinct row is scored once per subset, and the rows scored
    from another's result still equal xtcocotools on their own results."""
    gt, samples, _ = mdn_samples()
    for s in samples:
        p = s['pred_instances']
        p['components'] = np.ones_like(p['components'])
        p['keypoints'], p['keypoint_scores'] = p['component_keypoints'][:, 1], p['component_keypoint_scores'][:, 1]
    analysis = MDNAnalysis(str(data_dir('coco_mini') / SETS['coco_mini'][1]), progress=False)
    runs, run = [], analysis.ap.run
    analysis.ap.run = lambda *args, **kwargs: runs.append(1) or run(*args, **kwargs)
    out = analysis.run(Predictions.from_samples(samples), gt_displaced={'1px': {}})  # no displacement
    distinct = 7  # full, nobody, all with C0 / C2, exclude C0 / C1 / C2
    assert len(runs) == len(analysis.groups) + distinct * len(analysis.subsets) - 1
    for row in ('w/o C0', 'keep C0', 'all with C1', 'exclude C1'):
        reference = xtcocotools_stats(gt, reference_results(samples, row), analysis.ap.sigmas, tmp_path)
        assert [out['ablations'][row]['all'][s] for s in STATS] == pytest.approx(reference, nan_ok=True), row
    assert out['ablations']['keep C1'] == out['ablations']['full'] and out['ablations']['keep C0']['all']['AP'] != \
        out['ablations']['full']['all']['AP']


def test_component_statistics_count_the_matched_people():
    """Shares at the score thresholds and face-visibility counts recounted from the hand-made predictions: every
    prediction of a person matches it (OKS >= 0.5), so its component is counted under that person's face."""
    gt, samples, owners = mdn_samples(chosen_exact=True)
    analysis = MDNAnalysis(str(data_dir('coco_mini') / SETS['coco_mini'][1]), displacements=(1, ), seeds=(0, ),
                           progress=False)
    comps = analysis.run(Predictions.from_samples(samples))['components']
    preds = Predictions.from_samples(samples)
    c, s = preds.fields['components'], preds.fields['bbox_scores']
    for t in (0.5, 0.7):
        n = np.bincount(c[s >= t], minlength=M)
        assert comps['shares'][str(t)] == dict(share=(n / n.sum()).tolist(), n=int(n.sum()))
    counts = np.zeros((2, M), dtype=int)
    for a, comp in zip(owners, c):
        k = np.array(a['keypoints']).reshape(K, 3)
        if 'id' in a and (k[:, 2] > 0).sum() >= 5:  # a person (not a false positive) in a face subset
            counts[int(k[0, 2] != 2), comp] += 1
    assert comps['face_counts'] == counts.tolist() and counts.sum() == 57
    assert comps['gt_face'] == dict(visible_face=36 / 57, occluded_face=21 / 57, people=57)
    best = max(counts[0, i] + counts[1, j] for i in range(M) for j in range(M) if i != j)
    assert comps['face_agreement'] == pytest.approx(best / 57)


def test_l1_predictions_get_groups_and_a_note():
    _, samples, _ = mdn_samples()
    l1 = [dict(img_id=s['img_id'], pred_instances={k: v for k, v in s['pred_instances'].items()
                                                   if k not in MDN_FIELDS}) for s in samples]
    preds = Predictions.from_samples(l1)
    assert not preds.is_mdn and list(component_ablations(preds)) == ['full']
    analysis = MDNAnalysis(str(data_dir('coco_mini') / SETS['coco_mini'][1]), displacements=(1, ), seeds=(0, ),
                           progress=False)
    out = analysis.run(preds)
    assert 'components' not in out and list(out['ablations']) == ['full'] and len(out['keypoint_groups']['model']) == 12
    assert out['note'].startswith('component analyses need an MDN head') and '\n' not in out['note']


def test_predictions_are_checked():
    _, samples, _ = mdn_samples()
    samples[1]['pred_instances'].pop('component_keypoints')
    with pytest.raises(ValueError, match='preds.pkl: some images carry the MDN fields'):
        Predictions.from_samples(samples, 'preds.pkl')
    with pytest.raises(ValueError, match='preds.pkl: entry 0 has no img_id'):
        Predictions.from_samples([dict(keypoints=np.zeros((1, K, 2)))], 'preds.pkl')


def test_report_tables_charts_and_scalars(tmp_path):
    """report.md holds the analysis' numbers in the paper's layout, analysis.json all of it, the scalars the APs."""
    _, samples, _ = mdn_samples()
    analysis = MDNAnalysis(str(data_dir('coco_mini') / SETS['coco_mini'][1]), displacements=(1, 2), seeds=(0, ),
                           progress=False)
    out = analysis.run(Predictions.from_samples(samples))
    paths = write_report(out, str(tmp_path), title='hand-made')
    assert json.loads((tmp_path / 'analysis.json').read_text()) == json.loads(json.dumps(out))
    assert [p.rsplit('/', 1)[1] for p in paths['charts']] == ['groups.png', 'ablations.png', 'components.png',
                                                              'calibration.png']
    lines = (tmp_path / 'report.md').read_text().splitlines()
    fmt = '{:.3f}'.format
    groups = out['keypoint_groups']
    assert '|  | ' + ' | '.join(groups['model']) + ' |' in lines
    assert '| model | ' + ' | '.join(map(fmt, groups['model'].values())) + ' |' in lines
    assert '| GT displaced 2px | ' + ' | '.join(map(fmt, groups['gt_displaced']['2px'].values())) + ' |' in lines
    for row, subsets in out['ablations'].items():
        assert f'| {row} | ' + ' | '.join(fmt(subsets['all'][k]) for k in ('AP', 'AP50', 'AP75', 'APm', 'APl', 'AR')) \
            + ' |' in lines  # Table 1
        assert f'| {row} | ' + ' | '.join(fmt(subsets[s]['AP']) for s in subsets) + ' |' in lines  # Table 2
    counts = out['components']['face_counts']
    assert '| occluded face | ' + ' | '.join(map(str, counts[1])) + ' |' in lines
    scalars = analysis_scalars(out)
    assert scalars['analysis/wo_C1/visible_face'] == out['ablations']['w/o C1']['visible_face']['AP']
    assert scalars['analysis/all_with_C2/all'] == out['ablations']['all with C2']['all']['AP']
    assert scalars['analysis/group/Ears'] == groups['model']['Ears']
    assert scalars['analysis/share@0.7/C1'] == out['components']['shares']['0.7']['share'][1]
    cal = out['calibration']['before']  # these predictions carry no sigma: the person score's and pi's ECE
    assert scalars['analysis/calibration/before/ece_pi'] == cal['pi']['ece']
    assert scalars['analysis/calibration/before/ece_person_score'] == cal['person_score']['ece']
    assert len(scalars) == 12 + 13 * 5 + 2 * M + 1 + 2
    assert '## Calibration' in '\n'.join(lines)


def test_calibration_does_not_depend_on_the_order_of_the_predictions():
    """The hook gathers several processes' predictions in another order than one process makes them: the
    calibration (sums over people, the fitted temperatures) must come out the same, to the last bit."""
    _, samples, _ = mdn_samples()
    for s in samples:  # a sigma per person, so that sigma's calibration is computed too
        s['pred_instances']['sigmas'] = np.full((len(s['pred_instances']['keypoints']), 2), 40.0)
    analysis = MDNAnalysis(str(data_dir('coco_mini') / SETS['coco_mini'][1]), progress=False,
                           temperatures=dict(sigma_temperature=1.3, pi_temperature=0.5))
    ordered = analysis.calibrate(Predictions.from_samples(samples))
    shuffled = analysis.calibrate(Predictions.from_samples(samples[::-1]))
    assert ordered == shuffled and 'sigma' in ordered['after'] and ordered['before']['matched'] > 20
