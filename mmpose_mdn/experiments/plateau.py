"""The paper's claims at a plateau: learning curves of the viewpoint models, each trained until its val AP stops
rising, cached and resumable.

A run (regime, model, recipe, seed) trains a model of ``configs/viewpoint/`` on its seed's scenes (800 training and
200 val images, as the main job; regime ``ambiguous``: half of the people hide the viewpoint cue, ``visible``: none)
with the configs' Adam 2e-3 after their 50-iteration warm-up and no lr step, so that a run can be continued. Every
``every`` iterations its checkpoint is scored on the val split: heatmap refinement on (CocoMetric and
ViewpointComponentMetric: AP, the left/right order of the people hiding the cue, the components' agreement with the
viewpoint) and off (CocoMetric). It trains in chunks of ``iters`` until :func:`plateaued`, with refinement on and
off (a fitted rise below 0.01 over the last quarter, at least ``min_scores`` scores: on the pilot, refinement off,
the offsets alone, still rose when refinement on had stopped), or ``max_iters``. Everything is cached under
the work dir: an interrupted run resumes at the start of its chunk (:func:`train_chunk`: the same results as a run
never interrupted), scores are kept in ``scores.json``.

Recipes (MDN models): ``gate``: the viewpoint configs' default, the main job's recipe (k-means start, beta 1,
weight 0.03, the mixing logits trained x300 towards the best-fitting component); ``start``: the paper's NLL with
the cold start's chosen start (issue 18: k-means means and maximum-likelihood sigma, beta 1, weight 0.03).
"""
import copy
import json
import os
import os.path as osp
import time
from typing import Sequence

from .repository import ROOT

REGIMES = dict(ambiguous=0.5, visible=0.0)  # the share of people hiding the viewpoint cue
# model -> (config in configs/viewpoint/, components)
MODELS = dict(L1=('hg-tiny_base_viewpoint', None), MDN1=('hg-tiny_mdn1_viewpoint', 1),
              MDN2=('hg-tiny_mdn2_viewpoint', 2), MDN3=('hg-tiny_mdn3_viewpoint', 3),
              MDN5=('hg-tiny_mdn3_viewpoint', 5), HMDN4=('hg-tiny_hmdn4_viewpoint', 4))
RECIPES = dict(
    gate={},
    start={'model.head.min_sigma': 10.0,
           'model.head.offset_loss': dict(type='MDNLoss', loss_weight=0.03, beta=1.0),
           'custom_hooks': [dict(type='SyncBuffersHook'),
                            dict(type='MDNDataInitHook', mean_init='kmeans', sigma_init='ml')]})
SIZES = dict(full=dict(train=800, val=200, fresh=1000), quick=dict(train=16, val=8, fresh=8))  # fresh: test split
BATCH = 8  # the configs' batch size


def run_name(model: str, recipe: str) -> str:
    """A run's folder and table name: ``L1`` (no recipe), else ``<model>_<recipe>``."""
    return model if model == 'L1' else f'{model}_{recipe}'


def run_dir(work_dir: str, regime: str, model: str, recipe: str, seed: int) -> str:
    return osp.join(work_dir, regime, run_name(model, recipe), f'seed{seed}')


def checkpoint(work: str, ipe: int, iteration: int) -> str:
    """The run's checkpoint at ``iteration`` (its CheckpointHook names them by epoch, ``ipe`` iterations each)."""
    return osp.join(work, f'epoch_{iteration // ipe}.pth')


def build_cfg(regime: str, model: str, recipe: str, seed: int, every: int, work: str, size: str = 'full'):
    """The run's config (its epochs are set per chunk): the model's viewpoint config on the seed's scenes of the
    regime, the recipe applied, a constant lr after the warm-up, a checkpoint every ``every`` iterations."""
    from mmengine.config import Config

    from mmpose_mdn.utils.config import visualizer_per_run
    config, components = MODELS[model]
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'viewpoint', config + '.py'))
    sizes = SIZES[size]
    data_root = osp.join(osp.dirname(osp.dirname(osp.dirname(work))), 'data', f'{regime}_seed{seed}') + '/'
    options = {'randomness.seed': seed, 'model.head.num_components': components}
    for loader, split in (('train', 'train'), ('val', 'val'), ('test', 'val')):
        options.update({f'{loader}_dataloader.dataset.{key}': value for key, value in dict(
            data_root=data_root, seed=seed, num_images=sizes[split], hidden_cue=REGIMES[regime]).items()})
    if components is not None:
        options.update(RECIPES[recipe])
    cfg.merge_from_dict(options)
    for ev in ('val_evaluator', 'test_evaluator'):
        cfg[ev][0]['ann_file'] = data_root + 'annotations/viewpoint_val.json'
    cfg.param_scheduler = [s for s in cfg.param_scheduler if s['type'] == 'LinearLR']  # the warm-up only
    ipe = sizes['train'] // BATCH
    cfg.train_cfg.val_interval = 10 ** 9  # scored afterwards, refinement on and off
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=max(1, every // ipe), by_epoch=True,
                                        max_keep_ckpts=-1, save_best=None, save_last=True)
    cfg.default_hooks.logger.interval = 50 if ipe >= 50 else 1
    cfg.work_dir = work
    visualizer_per_run(cfg)  # the scoring Runners run in the same process
    return cfg, ipe


def curve(scores: dict, key: str = 'coco/AP', mode: str = 'on') -> dict:
    """iteration -> ``key`` of the cached ``scores`` ({'<iteration>/<on|off>': metrics})."""
    return {int(k.split('/')[0]): v[key] for k, v in scores.items() if k.endswith('/' + mode) and key in v}


def run_state(scores: dict, min_scores: int) -> dict:
    """``plateaued``: whether the AP stopped rising (:func:`plateaued`) with refinement on (heatmaps and offsets)
    and off (the offsets alone); ``rise``: {'on', 'off'} -> :func:`plateau_rise` (None before two scores)."""
    from mmpose_mdn.evaluation.learning_curves import plateau_rise, plateaued
    curves = {mode: curve(scores, mode=mode) for mode in ('on', 'off')}
    return dict(plateaued=bool(curves['on']) and all(plateaued(c, min_scores=min_scores) for c in curves.values()),
                rise={mode: plateau_rise(c) for mode, c in curves.items()} if len(curves['on']) > 1 else None)


def train_until_plateau(job: tuple) -> str:
    """One run (regime, model, recipe, seed, iters, every, max_iters, work_dir, size, min_scores): train ``iters``
    more at a time, scoring each new checkpoint, until :func:`plateaued` (with at least ``min_scores`` scores) or
    ``max_iters``; writes ``scores.json`` and ``state.json`` (iterations trained, plateaued, the rise with refinement
    on and off) and returns the run's folder. A run stopped by a looser rule continues under a stricter one."""
    regime, model, recipe, seed, iters, every, max_iters, work_dir, size, min_scores = job
    import mmpose_mdn  # noqa: F401
    work = run_dir(work_dir, regime, model, recipe, seed)
    os.makedirs(work, exist_ok=True)
    cfg, ipe = build_cfg(regime, model, recipe, seed, every, work, size)
    scoring = scoring_cfgs(cfg)
    scores_file, state_file = osp.join(work, 'scores.json'), osp.join(work, 'state.json')
    scores = json.load(open(scores_file)) if osp.exists(scores_file) else {}
    state = json.load(open(state_file)) if osp.exists(state_file) else dict(iters=0, train_s=0.0)
    while True:
        score_missing(scoring, work, ipe, range(every, state['iters'] + 1, every), scores)
        state.update(run_state(scores, min_scores))
        with open(state_file, 'w') as f:
            json.dump(state, f, indent=1)
        if state['plateaued'] or state['iters'] >= max_iters:
            break
        if state['iters'] and not osp.exists(checkpoint(work, ipe, state['iters'])):
            raise RuntimeError(f'{work}: state.json says {state["iters"]} iterations trained, but no checkpoint is '
                               'here to continue from (a record restored on another machine?): remove the folder '
                               'and its record to retrain the run')
        target = min(max_iters, state['iters'] + iters)
        seconds = train_chunk(cfg, work, ipe, state['iters'], target)
        state.update(iters=target, train_s=state['train_s'] + seconds)
    return work


def train_chunk(cfg, work: str, ipe: int, start: int, end: int) -> float:
    """Train the run in ``work`` (its config ``cfg``, ``ipe`` iterations an epoch) from iteration ``start`` (its
    checkpoint; 0: from scratch) to ``end``; the seconds it took. A chunk stopped part-way starts again at ``start``,
    not at a later checkpoint of its own: each Runner seeds the random generators (the augmentations' draws) afresh,
    so a run resumed mid-chunk would go on differently from one never stopped. A chunk whose last checkpoint exists
    has finished (stopped while scoring): nothing is trained."""
    from mmengine.runner import Runner
    if osp.exists(checkpoint(work, ipe, end)):
        return 0.0
    run_cfg = copy.deepcopy(cfg)
    run_cfg.train_cfg.max_epochs = end // ipe
    run_cfg.resume = bool(start)
    run_cfg.load_from = checkpoint(work, ipe, start) if start else None
    started = time.time()
    Runner.from_cfg(run_cfg).train()
    return time.time() - started


def scoring_cfgs(cfg) -> dict:
    """The run's scoring configs: refinement ``on`` with every evaluator, ``off`` with CocoMetric only."""
    scoring = dict(on=cfg, off=copy.deepcopy(cfg))
    scoring['off'].test_evaluator = cfg.test_evaluator[:1]
    return scoring


def score_missing(scoring: dict, work: str, ipe: int, iterations, scores: dict) -> None:
    """Score the checkpoint of each of ``iterations`` with refinement on and off (:func:`scoring_cfgs`) where
    ``scores`` lacks it, into ``scores`` and ``work/scores.json`` after each score (an interrupted run loses none)."""
    from .scoring import score_checkpoint
    for it in iterations:
        for mode in ('on', 'off'):
            if f'{it}/{mode}' not in scores:
                scores[f'{it}/{mode}'] = score_checkpoint(
                    scoring[mode], checkpoint(work, ipe, it), mode == 'on',
                    f'score_{it}_{mode}_{time.time_ns()}')
                with open(osp.join(work, 'scores.json'), 'w') as f:
                    json.dump(scores, f, indent=1)


def write_report(runs: list, seeds: list, work_dir: str, plots_dir: str, max_iters: int, command: str = '',
                 tag: str = '', tail: bool = True, stage: str = 'at the plateau', preface: Sequence[str] = ()) -> str:
    """The report (Markdown; ``command`` the one that made it) of the cached ``runs`` ((regime, model, recipe)
    triples) over ``seeds`` in ``work_dir`` (the plateau's, or stepped runs' of :mod:`.lr_step`): ``preface``
    (Markdown lines), the table of
    the paper's claims whose runs are all among ``runs`` (:func:`~.claims.claims_table`; with ``tail``, the AP
    claims again on each run's mean AP over the last quarter of its run), then per regime the
    curves of AP (refinement on and off) and of the hidden people's left/right order (mean ± std over the seeds at
    the iterations every seed has; each seed's curve to its end, thin), and a table at each run's last score; the
    plots go to ``plots_dir/plateau_<regime><tag>.png``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    from mmpose_mdn.evaluation.learning_curves import curve_stats

    from .claims import AP_TESTS, claims_among, claims_table
    lines = [f'Command: `{command}`', '', f'Seeds {seeds}; CPU, one torch thread a run.', '', *preface]
    claims = claims_among(runs)
    if claims:
        lines += [f'## The paper\'s claims {stage}', ''] + claims_table(work_dir, seeds, max_iters, claims)
    ap_claims = [c for c in claims if c.test in AP_TESTS]
    if ap_claims and tail:
        lines += ['The claims that compare AP, each run\'s AP taken as its mean over the last quarter of its run (its '
                  'plateau level, the plateau rule\'s window) instead of its last score, which is noisier:', '']
        lines += claims_table(work_dir, seeds, max_iters, ap_claims, 'tail')
    panels = (('coco/AP', 'on', 'AP, refinement on'), ('coco/AP', 'off', 'AP, refinement off'),
              ('viewpoint/lr_order_hidden', 'on', 'left/right order, people hiding the cue (pooled)'))
    columns = ('coco/AP', 'viewpoint/lr_order_hidden', 'viewpoint/lr_order_visible', 'viewpoint/agreement_visible')
    scored = [(r, m, v) for r, m, v in runs  # a regime none of whose runs has a score yet gets no section
              if any(osp.exists(osp.join(run_dir(work_dir, r, m, v, s), 'scores.json')) for s in seeds)]
    for regime in dict.fromkeys(r for r, _, _ in scored):
        shown = panels if REGIMES[regime] else panels[:2]  # where no one hides the cue, no hidden order to draw
        fig, axes = plt.subplots(1, len(shown), figsize=(6 * len(shown), 4.5))
        lines += [f'## {regime} (hidden cue {REGIMES[regime]:g})', '',
                  '| model | seeds | iterations | plateaued | rise, on / off | AP on | AP off | order, cue hidden | '
                  'order, cue visible | agreement, cue visible | order, cue hidden: balanced, fresh scenes |',
                  '| --- |' + ' ---: |' * 10]
        for _, model, recipe in [r for r in scored if r[0] == regime]:
            name = run_name(model, recipe)
            folders = {s: run_dir(work_dir, regime, model, recipe, s) for s in seeds}
            scores = {s: json.load(open(osp.join(f, 'scores.json'))) for s, f in folders.items()
                      if osp.exists(osp.join(f, 'scores.json'))}
            by_seed = {s: json.load(open(osp.join(folders[s], 'state.json'))) for s in scores
                       if osp.exists(osp.join(folders[s], 'state.json'))}
            states = list(by_seed.values())
            # a stepped run's curve from its lr step on (iteration 0), so that the seeds' curves line up
            start = {s: by_seed.get(s, {}).get('from', 0) for s in scores}
            for ax, (key, mode, title) in zip(axes, shown):
                curves = {s: {i - start[s]: ap for i, ap in c.items()}
                          for s, c in ((s, curve(v, key, mode)) for s, v in scores.items()) if c}
                if curves:
                    its, mean, std = curve_stats(curves)
                    line = ax.errorbar(its, mean, yerr=std, label=f'{name} ({len(curves)} seeds)', capsize=3)
                    for c in curves.values():  # each seed to its own end, thin
                        ax.plot(sorted(c), [c[i] for i in sorted(c)], color=line[0].get_color(), alpha=0.3, lw=1)
                ax.set(title=f'{regime}: {title}',
                       xlabel='iterations after the lr step' if any(start.values()) else 'iteration')
            last = [v[f'{max(curve(v))}/on'] for v in scores.values()]
            last_off = [v[f'{max(curve(v))}/off'] for v in scores.values()]

            def cell(values):
                values = [x for x in values if x == x]
                return f'{np.mean(values):.3f} ± {np.std(values):.3f}' if values else '–'
            lines.append(f'| {name} | {len(scores)} | ' + ', '.join(str(max(curve(v))) for v in scores.values())
                         + ' | ' + ', '.join('yes' if s.get('plateaued') else
                                             (f'lr step at {s["from"]}' if 'from' in s else 'no') for s in states)
                         + ' | '
                         + ', '.join(f'{s["rise"]["on"]:.3f} / {s["rise"]["off"]:.3f}' for s in states
                                     if s.get('rise') is not None) + ' | '
                         + cell([m['coco/AP'] for m in last]) + ' | ' + cell([m['coco/AP'] for m in last_off])
                         + ' | ' + ' | '.join(cell([m.get(k, float('nan')) for m in last]) for k in columns[1:])
                         + ' | ' + cell([_fresh_order(folders[s]) for s in scores]) + ' |')
        for ax in axes:
            ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
        fig.tight_layout()
        os.makedirs(plots_dir, exist_ok=True)
        fig.savefig(osp.join(plots_dir, f'plateau_{regime}{tag}.png'), dpi=90)
        plt.close(fig)
        lines += ['', f'![{regime}](../../docs/plateau_{regime}{tag}.png)', '']
    return '\n'.join(lines)


def _fresh_order(folder: str) -> float:
    """The run's balanced left/right order of the people hiding the cue on fresh scenes (its ``claims.json``; NaN
    without)."""
    path = osp.join(folder, 'claims.json')
    fresh = json.load(open(path)).get('fresh', {}) if osp.exists(path) else {}
    return fresh.get('lr_order_hidden_balanced', float('nan'))
