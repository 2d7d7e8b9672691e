"""The paper's claims judged at the plateau (issue 19, item 3): each claim a comparison on the last checkpoints of
the plateau runs (:mod:`.plateau`), seed by seed on the same scenes.

:func:`final_scores` adds to a finished run (plateaued, or at its cap), at its last checkpoint, cached in the run's
``claims.json``: the AP with CenterNet's flip test, and for a flat MDN of more than two components the *other*
components (those that :func:`~mmpose_mdn.viewpoint.align_components` does not assign to front or back), the share
of the matched people they predict, and the AP without the people they predict (Table 1, *w/o Ck*, all of them
removed at once), each with heatmap refinement on and off. In the ambiguous regime it also scores the left/right
order of the people hiding the cue on fresh scenes (the seed's ``test`` split, which no run trains or scores on),
to check that the ambiguity is exact: a model that cannot tell a hidden front view from a hidden back view has a
balanced order (``lr_order_hidden_balanced`` of :class:`~mmpose_mdn.viewpoint.ViewpointComponentMetric`) of 0.5.

:func:`claims_table` judges each claim of :data:`CLAIMS` per seed, refinement on and off (Table 1's two columns):
it *holds* where it holds on every seed that both runs have finished, *does not* where it holds on none, and holds
*partly* otherwise (:func:`verdict`).
"""
import copy
import json
import os.path as osp
import time
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np

TWO_MODES = dict(share=0.10, delta_ap=0.01)  # claim c: the other components' share of people, and their AP change
AGREEMENT = 0.8  # claim d: the components' agreement with the viewpoint of the people whose cue is visible
CHANCE = 0.03  # the exact ambiguity: the balanced order of the hidden people on fresh scenes within 0.5 ± this
AMB, VIS = 'ambiguous', 'visible'
AP_TESTS = ('above', 'at_least', 'below')  # the claims that compare two runs' AP


class Claim(NamedTuple):
    """One row: ``test`` of run ``x`` (against run ``y``), runs named (regime, run folder name)."""
    row: str
    text: str
    paper: str
    test: str  # above, at_least, below, flip_raises, flip_lowers, two_modes, agreement, chance
    x: tuple
    y: Optional[tuple] = None


PAPER = dict(
    a='Table 1: MDN above L1 (COCO, HG-104: 46.4 → 52.3 AP)',
    b='Sec. 4.2: MDN1 (a normalised L2) at least L1',
    c='Table 1, w/o Ck: two modes are used; the others < 10 % of the people, ΔAP < 0.01 without them',
    d='Tables 2-3: the components follow the viewpoint (front / back); target ≥ 0.8',
    e='Sec. 4.5: flip test raises L1\'s AP and lowers MDN\'s',
    f='Sec. 4.4, SmallHG: hierarchical 46.5 < MDN2 47.9 AP',
    chance='(our scenes; the premise of every row: no model beats chance on people hiding the cue)')
CLAIMS = (
    Claim('–', 'exact ambiguity: L1 orders the hidden people by chance (0.50 ± 0.03)', PAPER['chance'], 'chance',
          (AMB, 'L1')),
    Claim('–', 'exact ambiguity: MDN2 orders the hidden people by chance (0.50 ± 0.03)', PAPER['chance'], 'chance',
          (AMB, 'MDN2_start')),
    Claim('a', 'MDN2 > L1, half the cues hidden', PAPER['a'], 'above', (AMB, 'MDN2_start'), (AMB, 'L1')),
    Claim('a', 'MDN3 > L1, half the cues hidden', PAPER['a'], 'above', (AMB, 'MDN3_start'), (AMB, 'L1')),
    Claim('a', 'MDN2 > L1, every cue visible', PAPER['a'], 'above', (VIS, 'MDN2_start'), (VIS, 'L1')),
    Claim('a', 'MDN2 (gate recipe) > L1, half the cues hidden', PAPER['a'], 'above', (AMB, 'MDN2_gate'),
          (AMB, 'L1')),
    Claim('a', 'MDN2 (gate recipe) > L1, every cue visible', PAPER['a'], 'above', (VIS, 'MDN2_gate'), (VIS, 'L1')),
    Claim('b', 'MDN1 ≥ L1, half the cues hidden', PAPER['b'], 'at_least', (AMB, 'MDN1_start'), (AMB, 'L1')),
    Claim('b', 'MDN1 ≥ L1, every cue visible', PAPER['b'], 'at_least', (VIS, 'MDN1_start'), (VIS, 'L1')),
    Claim('c', 'MDN3 uses two modes', PAPER['c'], 'two_modes', (AMB, 'MDN3_start')),
    Claim('c', 'MDN5 uses two modes', PAPER['c'], 'two_modes', (AMB, 'MDN5_start')),
    Claim('d', 'MDN2 follows the viewpoint', PAPER['d'], 'agreement', (AMB, 'MDN2_start')),
    Claim('d', 'MDN3 follows the viewpoint', PAPER['d'], 'agreement', (AMB, 'MDN3_start')),
    Claim('d', 'MDN5 follows the viewpoint', PAPER['d'], 'agreement', (AMB, 'MDN5_start')),
    Claim('d', 'MDN2 (gate recipe) follows the viewpoint', PAPER['d'], 'agreement', (AMB, 'MDN2_gate')),
    Claim('e', 'flip test raises L1\'s AP, half the cues hidden', PAPER['e'], 'flip_raises', (AMB, 'L1')),
    Claim('e', 'flip test raises L1\'s AP, every cue visible', PAPER['e'], 'flip_raises', (VIS, 'L1')),
    Claim('e', 'flip test lowers MDN2\'s AP, half the cues hidden', PAPER['e'], 'flip_lowers', (AMB, 'MDN2_start')),
    Claim('e', 'flip test lowers MDN3\'s AP, half the cues hidden', PAPER['e'], 'flip_lowers', (AMB, 'MDN3_start')),
    Claim('e', 'flip test lowers MDN2\'s AP, every cue visible', PAPER['e'], 'flip_lowers', (VIS, 'MDN2_start')),
    Claim('f', 'hierarchical HMDN4 < MDN2, half the cues hidden', PAPER['f'], 'below', (AMB, 'HMDN4_start'),
          (AMB, 'MDN2_start')),
)


def claims_runs(claims: Sequence[Claim] = CLAIMS) -> List[tuple]:
    """The (regime, model, recipe) runs the claims compare, in their order (L1's recipe: ``gate``, as the runner
    names it)."""
    names = dict.fromkeys(r for c in claims for r in (c.x, c.y) if r is not None)
    return [(regime, *(name.split('_') if '_' in name else (name, 'gate'))) for regime, name in names]


def claims_among(runs: Sequence[tuple], claims: Sequence[Claim] = CLAIMS) -> List[Claim]:
    """The claims whose runs are all among ``runs`` ((regime, model, recipe))."""
    from .plateau import run_name
    names = {(regime, run_name(model, recipe)) for regime, model, recipe in runs}
    return [c for c in claims if {c.x, c.y or c.x} <= names]


def other_components(counts: np.ndarray) -> List[int]:
    """The components not assigned to front or back: (V, M) matched people per viewpoint (front, back, ...) and
    chosen component (:func:`~mmpose_mdn.viewpoint.aggregate.metric_counts`), under the best one-to-one assignment of
    components to front and back (:func:`~mmpose_mdn.viewpoint.align_components`)."""
    from mmpose_mdn.viewpoint import align_components
    return sorted(int(m) for m in align_components(counts)[2:])


def share_of(counts: np.ndarray, components: Sequence[int]) -> float:
    """The share of the matched people (every viewpoint) whose chosen component is in ``components``."""
    total = counts.sum()
    return float(counts[:, list(components)].sum() / total) if total else float('nan')


def ap_without(preds, keypoint_ap, components: Sequence[int]) -> Dict[str, float]:
    """COCO AP of the predictions (:class:`~mmpose_mdn.evaluation.Predictions`, MDN) as they are (``full``) and
    with the people whose chosen component is in ``components`` removed (``without``), scored by ``keypoint_ap``
    (:class:`~mmpose_mdn.evaluation.KeypointAP`, persons scored by their box score as the viewpoint configs'
    CocoMetric)."""
    f = preds.fields
    everyone = np.ones(len(preds), dtype=bool)
    kept = ~np.isin(f['components'], list(components))
    return {name: keypoint_ap.evaluate(preds.results(keep, f['keypoints'], f['keypoint_scores']))['AP']
            for name, keep in (('full', everyone), ('without', kept))}


def verdict(flags: Sequence[bool]) -> str:
    """'holds' where every seed's flag is true, 'does not' where none is, 'partly' otherwise; 'pending' without
    any seed."""
    if not len(flags):
        return 'pending'
    return 'holds' if all(flags) else ('does not' if not any(flags) else 'partly')


def final_scores(regime: str, model: str, recipe: str, seed: int, work_dir: str, size: str = 'full') -> dict:
    """The claims' scores of a finished run at its last checkpoint (cached in ``claims.json``; recomputed when the
    run has trained further since): ``flip_<mode>`` the AP with the flip test, and for a flat MDN of more than two
    components ``others`` (:func:`other_components` of the last score's counts), ``share_others``
    (:func:`share_of`) and ``without_<mode>`` (:func:`ap_without`), ``<mode>`` ``on`` or ``off`` (refinement).
    In the ambiguous regime ``fresh``: the left/right orders of ViewpointComponentMetric on the seed's ``test``
    split (refinement on). The AP of the predictions as they are must equal CocoMetric's, or the run is named in the
    error."""
    from mmengine.fileio import load
    from mmpose.datasets import CocoDataset
    from mmpose.datasets.datasets.utils import parse_pose_metainfo

    from mmpose_mdn.evaluation import KeypointAP, Predictions, load_keypoint_annotations
    from mmpose_mdn.viewpoint.aggregate import metric_counts

    from .plateau import BATCH, MODELS, REGIMES, SIZES, build_cfg, checkpoint, curve, run_dir
    from .scoring import score_checkpoint
    work = run_dir(work_dir, regime, model, recipe, seed)
    scores = json.load(open(osp.join(work, 'scores.json')))
    ipe = SIZES[size]['train'] // BATCH
    it = max(curve(scores))
    path = osp.join(work, 'claims.json')
    out = json.load(open(path)) if osp.exists(path) else {}
    if out.get('iters') != it:
        out = dict(iters=it)
    cfg, _ = build_cfg(regime, model, recipe, seed, ipe, work, size)
    last = checkpoint(work, ipe, it)
    if flat_mixture(model) and 'others' not in out:
        counts = metric_counts(scores[f'{it}/on'], MODELS[model][1])
        others = other_components(counts)
        out.update(others=others, share_others=share_of(counts, others))
    if REGIMES[regime] > 0 and 'fresh' not in out:
        fresh = copy.deepcopy(cfg)
        fresh.test_dataloader.dataset.update(split='test', num_images=SIZES[size]['fresh'])
        fresh.test_evaluator = cfg.test_evaluator[1:]  # ViewpointComponentMetric
        metrics = score_checkpoint(fresh, last, True, f'claims_fresh_{it}_{time.time_ns()}')
        out['fresh'] = {k.split('/')[1]: v for k, v in metrics.items() if 'lr_order' in k}
    ann_file = cfg.test_evaluator[0]['ann_file']
    if 'others' in out and not all(f'without_{mode}' in out for mode in ('on', 'off')):
        meta = parse_pose_metainfo(CocoDataset.METAINFO)  # the viewpoint scenes' keypoints are COCO's
        keypoint_ap = KeypointAP(load_keypoint_annotations(ann_file), meta['sigmas'], meta['keypoint_name2id'],
                                 ann_file=ann_file)
    for mode in ('on', 'off'):
        if f'flip_{mode}' not in out:
            flip = copy.deepcopy(cfg)
            flip.model.test_cfg.flip_test = True
            flip.test_evaluator = cfg.test_evaluator[:1]
            out[f'flip_{mode}'] = score_checkpoint(flip, last, mode == 'on',
                                                   f'claims_flip_{it}_{mode}_{time.time_ns()}')['coco/AP']
        if 'others' in out and f'without_{mode}' not in out:
            dump = copy.deepcopy(cfg)
            pkl = osp.join(work, 'scores', f'predictions_{it}_{mode}.pkl')
            dump.test_evaluator = [cfg.test_evaluator[0], dict(type='DumpResults', out_file_path=pkl)]
            metrics = score_checkpoint(dump, last, mode == 'on', f'claims_dump_{it}_{mode}_{time.time_ns()}')
            ap = ap_without(Predictions.from_samples(load(pkl), pkl), keypoint_ap, out['others'])
            if abs(ap['full'] - metrics['coco/AP']) > 1e-6:
                raise RuntimeError(f'{work}: the AP of the dumped predictions {pkl} ({ap["full"]:.6f}) is not '
                                   f'CocoMetric\'s ({metrics["coco/AP"]:.6f}) on {ann_file}')
            out[f'without_{mode}'] = ap['without']
        with open(path, 'w') as f:
            json.dump(out, f, indent=1)
    return out


def flat_mixture(model: str) -> bool:
    """Whether ``model`` is a flat mixture of more than two components (its other components are scored)."""
    from .plateau import MODELS
    components = MODELS[model][1]
    return components is not None and components > 2 and not model.startswith('HMDN')


def scored(work: str, regime: str, model: str) -> bool:
    """Whether the run in ``work`` has every score :func:`final_scores` adds (the flip test; in the ambiguous regime
    the fresh scenes' order; for a flat mixture the other components and the AP without them) in its
    ``claims.json``, of its last scored iteration: :func:`final_scores` would compute nothing."""
    from .plateau import REGIMES, curve
    path = osp.join(work, 'claims.json')
    if not osp.exists(path):
        return False
    out = json.load(open(path))
    keys = ['flip_on', 'flip_off']
    if REGIMES[regime] > 0:
        keys.append('fresh')
    if flat_mixture(model):
        keys += ['others', 'without_on', 'without_off']
    return all(k in out for k in keys) and out['iters'] == max(curve(json.load(open(osp.join(work, 'scores.json')))))


def finished(state: dict, max_iters: int) -> bool:
    """Whether a run is done: a stepped run (:mod:`.lr_step`, its ``state`` has ``from``) once its step has finished
    (trained and scored; it counts its iterations from the plateau's, which may be at ``max_iters``), a plateau run
    once plateaued or trained to ``max_iters``."""
    if 'from' in state:
        return bool(state['finished'])
    return bool(state.get('plateaued')) or state.get('iters', 0) >= max_iters


def seed_values(work: str, mode: str) -> Optional[dict]:
    """A finished run's values at its last checkpoint, refinement ``mode``: ``ap``, ``ap_tail`` (the mean AP over the
    last quarter of the run, :func:`~mmpose_mdn.evaluation.learning_curves.tail_mean`), ``agreement`` (people whose
    cue is visible, all people where none hides it), and :func:`final_scores`' ``flip``, ``without``,
    ``share_others`` and ``order_fresh`` (the balanced order on fresh scenes), None where it has none; None where
    ``claims.json`` is missing."""
    from mmpose_mdn.evaluation.learning_curves import tail_mean

    from .plateau import curve
    path = osp.join(work, 'claims.json')
    if not osp.exists(path):
        return None
    scores, claims = json.load(open(osp.join(work, 'scores.json'))), json.load(open(path))
    it = claims['iters']
    if it != max(curve(scores)):
        raise RuntimeError(f'{work}: claims.json is of iteration {it}, but the run has trained further: run '
                           'final_scores again')
    last, on = scores[f'{it}/{mode}'], scores[f'{it}/on']
    return dict(ap=last['coco/AP'], ap_tail=tail_mean(curve(scores, mode=mode)),
                agreement=on.get('viewpoint/agreement_visible', on.get('viewpoint/agreement')),
                flip=claims.get(f'flip_{mode}'), without=claims.get(f'without_{mode}'),
                share_others=claims.get('share_others'),
                order_fresh=claims.get('fresh', {}).get('lr_order_hidden_balanced'))


def judge(test: str, x: dict, y: Optional[dict] = None) -> bool:
    """The claim's ``test`` on one seed's values of run x (and y)."""
    if test == 'above':
        return x['ap'] > y['ap']
    if test == 'at_least':
        return x['ap'] >= y['ap']
    if test == 'below':
        return x['ap'] < y['ap']
    if test == 'flip_raises':
        return x['flip'] > x['ap']
    if test == 'flip_lowers':
        return x['flip'] < x['ap']
    if test == 'two_modes':
        return x['share_others'] < TWO_MODES['share'] and abs(x['without'] - x['ap']) < TWO_MODES['delta_ap']
    if test == 'agreement':
        return x['agreement'] >= AGREEMENT
    if test == 'chance':
        return abs(x['order_fresh'] - 0.5) <= CHANCE
    raise ValueError(f'unknown claim test {test!r}')


def describe(test: str, xs: Sequence[dict], ys: Sequence[dict] = ()) -> str:
    """The cell of our values over the seeds (mean ± sample std)."""
    from mmpose_mdn.viewpoint.aggregate import mean_std

    def ms(values: list, key: str) -> str:
        return mean_std([v[key] for v in values])
    if test in ('above', 'at_least', 'below'):
        return f'{ms(xs, "ap")} vs {ms(ys, "ap")}'
    if test in ('flip_raises', 'flip_lowers'):
        return f'{ms(xs, "ap")} → {ms(xs, "flip")} with flip'
    if test == 'two_modes':
        delta = mean_std([x['without'] - x['ap'] for x in xs])
        return f'others {ms(xs, "share_others")} of the people, ΔAP {delta} without them'
    if test == 'chance':
        return f'{ms(xs, "order_fresh")} (balanced, fresh scenes)'
    return ms(xs, 'agreement')


def claims_table(work_dir: str, seeds: Sequence[int], max_iters: int, claims: Sequence[Claim] = CLAIMS,
                 level: str = 'last') -> List[str]:
    """Markdown lines: one row per claim, its paper figure, ours (mean ± sample std over the seeds that both runs
    have finished, refinement on, then off) and the verdicts on and off (:func:`verdict` of :func:`judge` per seed,
    with how many seeds the claim holds on). ``level``: a run's AP is its last score's (``'last'``) or its mean
    over the last quarter of the run (``'tail'``, :func:`seed_values`' ``ap_tail``)."""
    if level not in ('last', 'tail'):
        raise ValueError(f"level must be 'last' or 'tail', got {level!r}")
    from mmpose_mdn.evaluation.report import markdown_table
    rows = []
    for c in claims:
        runs = [r for r in (c.x, c.y) if r is not None]
        done = [s for s in seeds if all(_finished(work_dir, r, s, max_iters) for r in runs)]
        cells, verdicts = [], []
        for mode in ('on', 'off'):
            if c.test in ('agreement', 'chance') and mode == 'off':  # scored with refinement on only
                cells.append('as on')
                verdicts.append(verdicts[0])
                continue
            values = [[seed_values(_folder(work_dir, r, s), mode) for r in runs] for s in done]
            values = [v for v in values if None not in v]
            if level == 'tail':
                values = [[dict(x, ap=x['ap_tail']) for x in v] for v in values]
            flags = [judge(c.test, *v) for v in values]
            cells.append(describe(c.test, *zip(*values)) if values else '–')
            verdicts.append(verdict(flags) + (f' ({sum(flags)}/{len(flags)})' if flags else ''))
        paper = c.paper if not rows or claims[len(rows) - 1].paper != c.paper else '〃'
        rows.append([c.row, c.text, paper, str(len(done)), *cells, *verdicts])
    return markdown_table(['', 'claim', 'paper', 'seeds', 'ours, refinement on', 'ours, refinement off',
                           'verdict, on', 'verdict, off'], rows)


def score_finished(runs: Sequence[tuple], seeds: Sequence[int], work_dir: str, max_iters: int, size: str = 'full',
                   workers: int = 1) -> None:
    """:func:`final_scores` of every finished run of ``runs`` ((regime, model, recipe)) and ``seeds`` not
    :func:`scored` yet, ``workers`` at a time (:func:`~mmpose_mdn.experiments.processes.run_jobs`); a run scored
    already starts no process."""
    from . import processes
    from .plateau import run_dir
    jobs = [(regime, model, recipe, seed, work_dir, size) for regime, model, recipe in runs for seed in seeds
            if finished_run(work_dir, regime, model, recipe, seed, max_iters)
            and not scored(run_dir(work_dir, regime, model, recipe, seed), regime, model)]
    for _ in processes.run_jobs(final_scores_job, jobs, workers):
        pass


def final_scores_job(job: tuple) -> dict:
    """:func:`final_scores` of a (regime, model, recipe, seed, work_dir, size) job."""
    return final_scores(*job)


def _folder(work_dir: str, run: tuple, seed: int) -> str:
    """The folder of a claim's run (regime, run name) on ``seed``, as :func:`~.plateau.run_dir` lays it out."""
    return osp.join(work_dir, *run, f'seed{seed}')


def _finished(work_dir: str, run: tuple, seed: int, max_iters: int) -> bool:
    path = osp.join(_folder(work_dir, run, seed), 'state.json')
    return osp.exists(path) and finished(json.load(open(path)), max_iters)


def finished_run(work_dir: str, regime: str, model: str, recipe: str, seed: int, max_iters: int) -> bool:
    """Whether the run (regime, model, recipe, seed) in ``work_dir`` has finished (:func:`finished`)."""
    from .plateau import run_name
    return _finished(work_dir, (regime, run_name(model, recipe)), seed, max_iters)
