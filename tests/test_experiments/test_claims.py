"""The claims table's maths (mmpose_mdn/experiments/claims.py): which components are the 'other' ones, the AP without
their people against COCO's interpolated AP worked out by hand, and verdicts judged seed by seed (not on means)."""
import json

import numpy as np
import pytest
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from mmpose_mdn.evaluation import KeypointAP, Predictions
from mmpose_mdn.experiments import claims as cl

META = parse_pose_metainfo(CocoDataset.METAINFO)


def test_the_claims_name_eleven_runs_the_runner_knows():
    from mmpose_mdn.experiments.plateau import MODELS, RECIPES, run_dir
    runs = cl.claims_runs()
    assert len(runs) == 11 and sum(r[0] == 'visible' for r in runs) == 4
    assert ('ambiguous', 'L1', 'gate') in runs and ('visible', 'MDN2', 'gate') in runs
    assert all(m in MODELS and v in RECIPES for _, m, v in runs)
    names = {(r, x) for c in cl.CLAIMS for r, x in (c.x, c.y or c.x)}
    assert {(r, run_dir('', r, m, v, 0).split('/')[1]) for r, m, v in runs} == names


def test_other_components_are_those_not_assigned_to_front_or_back():
    """Component 1 holds the most people overall (every side view), yet front and back take 2 and 0."""
    counts = np.array([[1, 2, 30],    # front
                       [25, 1, 3],    # back
                       [0, 60, 0]])   # side
    assert cl.other_components(counts) == [1]
    assert cl.share_of(counts, [1]) == pytest.approx(63 / 122)
    assert cl.other_components(np.array([[9, 0, 1, 0, 0], [0, 0, 0, 7, 1], [0, 0, 0, 0, 0]])) == [1, 2, 4]
    assert np.isnan(cl.share_of(np.zeros((3, 3)), [2]))


def one_image_two_people():
    """Two annotated people; predictions: both exact (components 0 and 1) and a false person of component 2 that
    scores highest."""
    rng = np.random.default_rng(0)
    people = [np.c_[rng.uniform(x, x + 40, 17), rng.uniform(20, 100, 17)] for x in (10, 150)]
    anns = [dict(id=i + 1, image_id=1, category_id=1, iscrowd=0, num_keypoints=17, area=40 * 80.0,
                 bbox=[float(p[:, 0].min()), 20.0, 40.0, 80.0], keypoints=np.c_[p, np.full(17, 2)].ravel().tolist())
            for i, p in enumerate(people)]
    data = dict(images=[dict(id=1, width=300, height=200, file_name='a.jpg')], annotations=anns,
                categories=[dict(id=1, name='person')])
    false = people[0] + [100.0, 60.0]
    keypoints = np.stack([people[0], people[1], false])  # (3, 17, 2)
    fields = dict(keypoints=keypoints, keypoint_scores=np.ones((3, 17)), bbox_scores=np.array([0.9, 0.8, 0.95]),
                  components=np.array([0, 1, 2]), mixture_probs=np.eye(3),
                  component_keypoints=np.repeat(keypoints[:, None], 3, 1),
                  component_keypoint_scores=np.ones((3, 3, 17)))
    return KeypointAP(data, META['sigmas'], META['keypoint_name2id']), Predictions(np.ones(3, dtype=np.int64), fields)


def test_ap_without_a_component_removes_its_people():
    """With the false person ranked first, precision is 1/2 at recall 1/2 and 2/3 at recall 1, so COCO's interpolated
    precision is 2/3 at every recall and every OKS threshold: AP 2/3. Without component 2: AP 1; without component 0
    one of the two people is never found: AP is COCO's at recall 1/2 with the false one first (precision 1/2 over
    51 of the 101 recall points)."""
    ap, preds = one_image_two_people()
    assert cl.ap_without(preds, ap, [2]) == pytest.approx(dict(full=2 / 3, without=1.0))
    assert cl.ap_without(preds, ap, [0])['without'] == pytest.approx(0.5 * 51 / 101)
    assert cl.ap_without(preds, ap, [])['without'] == pytest.approx(2 / 3)


def test_verdict_holds_on_every_seed_does_not_on_none_else_partly():
    assert cl.verdict([True, True, True]) == 'holds'
    assert cl.verdict([False, False]) == 'does not'
    assert cl.verdict([True, False, True]) == 'partly'
    assert cl.verdict([]) == 'pending'


def test_judge_each_test():
    x, y = dict(ap=0.3, flip=0.28, share_others=0.05, without=0.305, agreement=0.8), dict(ap=0.3)
    assert not cl.judge('above', x, y) and cl.judge('at_least', x, y) and not cl.judge('below', x, y)
    assert cl.judge('flip_lowers', x) and not cl.judge('flip_raises', x)
    assert cl.judge('two_modes', x) and not cl.judge('two_modes', dict(x, without=0.289))
    assert not cl.judge('two_modes', dict(x, share_others=0.1))
    assert cl.judge('agreement', x) and not cl.judge('agreement', dict(x, agreement=0.79))
    assert cl.judge('chance', dict(order_fresh=0.475)) and not cl.judge('chance', dict(order_fresh=0.535))
    with pytest.raises(ValueError, match='unknown claim test'):
        cl.judge('better', x, y)


def write_run(work, regime, name, seed, ap_on, ap_off, state=None, **claims):
    run = work / regime / name / f'seed{seed}'
    run.mkdir(parents=True)
    (run / 'state.json').write_text(json.dumps(state or dict(iters=8000, plateaued=True)))
    scores = {f'{i}/{mode}': {'coco/AP': ap * i / 8000} for i in (7000, 8000)
              for mode, ap in (('on', ap_on), ('off', ap_off))}
    (run / 'scores.json').write_text(json.dumps(scores))
    (run / 'claims.json').write_text(json.dumps(dict(iters=8000, **claims)))


def test_claims_table_judges_seed_by_seed_on_finished_runs(tmp_path):
    """MDN2's mean is above L1's but it wins on two seeds of three: partly. Seed 3 of MDN1 has not finished, so its
    claim rests on seeds 1 and 2. The flip claim is judged on refinement on and off separately."""
    l1 = dict(zip((1, 2, 3), (0.20, 0.20, 0.20)))
    for s, (mdn2, mdn1) in zip((1, 2, 3), ((0.30, 0.20), (0.10, 0.25), (0.35, 0.10))):
        write_run(tmp_path, 'ambiguous', 'L1', s, l1[s], 0.1, flip_on=0.21, flip_off=0.09)
        write_run(tmp_path, 'ambiguous', 'MDN2_start', s, mdn2, 0.1)
        write_run(tmp_path, 'ambiguous', 'MDN1_start', s, mdn1, 0.1,
                  state=dict(iters=6000, plateaued=False) if s == 3 else None)
    claims = [c for c in cl.CLAIMS if c.text in ('MDN2 > L1, half the cues hidden', 'MDN1 ≥ L1, half the cues hidden',
                                                  "flip test raises L1's AP, half the cues hidden")]
    lines = cl.claims_table(str(tmp_path), [1, 2, 3], 16000, claims)
    rows = {line.split(' | ')[1]: line.split(' | ')[3:] for line in lines[2:-1]}
    assert rows['MDN2 > L1, half the cues hidden'] == ['3', '0.250 ± 0.132 vs 0.200 ± 0.000',
                                                       '0.100 ± 0.000 vs 0.100 ± 0.000', 'partly (2/3)',
                                                       'does not (0/3) |']
    assert rows['MDN1 ≥ L1, half the cues hidden'][0] == '2' and rows['MDN1 ≥ L1, half the cues hidden'][3:] == [
        'holds (2/2)', 'holds (2/2) |']
    assert rows["flip test raises L1's AP, half the cues hidden"][3:] == ['holds (3/3)', 'does not (0/3) |']
    # judged on the plateau level: MDN2 above L1 at the last score (0.21 vs 0.20), below over the last quarter
    for name, aps in (('L1', (0.25, 0.20)), ('MDN2_start', (0.21, 0.21))):
        (tmp_path / 'ambiguous' / name / 'seed1' / 'scores.json').write_text(json.dumps(
            {f'{i}/{mode}': {'coco/AP': ap} for i, ap in zip((7000, 8000), aps) for mode in ('on', 'off')}))
    mdn2 = claims[:1]
    assert cl.claims_table(str(tmp_path), [1], 16000, mdn2)[2].split(' | ')[4:6] == ['0.210 vs 0.200', '0.210 vs 0.200']
    tail = cl.claims_table(str(tmp_path), [1], 16000, mdn2, level='tail')[2].split(' | ')
    assert tail[4] == '0.210 vs 0.225' and tail[6:] == ['does not (0/1)', 'does not (0/1) |']
    with pytest.raises(ValueError, match="level must be 'last' or 'tail'"):
        cl.claims_table(str(tmp_path), [1], 16000, mdn2, level='max')
    # a run that trained past its claims' scores is refused, not judged on stale numbers
    (tmp_path / 'ambiguous' / 'L1' / 'seed1' / 'scores.json').write_text(json.dumps(
        {'9000/on': {'coco/AP': 0.2}, '9000/off': {'coco/AP': 0.1}, '8000/on': {'coco/AP': 0.2}}))
    with pytest.raises(RuntimeError, match='trained further'):
        cl.claims_table(str(tmp_path), [1, 2, 3], 16000, claims)


def test_a_stepped_run_has_finished_once_its_step_has():
    """A run stepped from the cap counts its iterations from the plateau's (24000 here), so the iteration count
    says nothing about its step; a plateau run is done once plateaued or at the cap."""
    stepping = {'from': 24000, 'factor': 0.1, 'iters': 24000, 'finished': False}
    assert not cl.finished(stepping, 24000) and not cl.finished(dict(stepping, iters=26000), 24000)
    assert cl.finished(dict(stepping, iters=26000, finished=True), 24000)
    assert cl.finished(dict(iters=24000, plateaued=False), 24000) and cl.finished(dict(iters=8000, plateaued=True),
                                                                                   24000)
    assert not cl.finished(dict(iters=22000, plateaued=False), 24000)


def test_a_run_is_scored_once_claims_json_holds_every_score_of_its_last_iteration(tmp_path):
    """A run stopped part-way through final_scores (which writes claims.json after each refinement mode) is not
    scored yet, so a report completes it; nor is one that trained past its claims' iteration."""
    flips = dict(flip_on=0.2, flip_off=0.1)
    write_run(tmp_path, 'visible', 'L1', 1, 0.2, 0.1, **flips)
    write_run(tmp_path, 'visible', 'L1', 2, 0.2, 0.1, flip_on=0.2)  # stopped before refinement off
    write_run(tmp_path, 'ambiguous', 'L1', 1, 0.2, 0.1, **flips)  # no fresh scenes' order
    write_run(tmp_path, 'ambiguous', 'L1', 2, 0.2, 0.1, fresh={}, **flips)
    write_run(tmp_path, 'visible', 'MDN3_start', 1, 0.2, 0.1, others=[2], without_on=0.2, **flips)
    write_run(tmp_path, 'visible', 'MDN3_start', 2, 0.2, 0.1, others=[2], without_on=0.2, without_off=0.1, **flips)
    write_run(tmp_path, 'visible', 'HMDN4_start', 1, 0.2, 0.1, **flips)  # hierarchical: no other components
    done = {(regime, name, seed): cl.scored(str(tmp_path / regime / name / f'seed{seed}'), regime,
                                             name.split('_')[0])
            for regime, name, seed in [('visible', 'L1', 1), ('visible', 'L1', 2), ('ambiguous', 'L1', 1),
                                       ('ambiguous', 'L1', 2), ('visible', 'MDN3_start', 1),
                                       ('visible', 'MDN3_start', 2), ('visible', 'HMDN4_start', 1)]}
    assert [key for key, value in done.items() if value] == [('visible', 'L1', 1), ('ambiguous', 'L1', 2),
                                                            ('visible', 'MDN3_start', 2), ('visible', 'HMDN4_start', 1)]
    run = tmp_path / 'visible' / 'L1' / 'seed1'
    (run / 'scores.json').write_text(json.dumps({'9000/on': {'coco/AP': 0.2}, '9000/off': {'coco/AP': 0.1}}))
    assert not cl.scored(str(run), 'visible', 'L1') and not cl.scored(str(tmp_path / 'none'), 'visible', 'L1')
