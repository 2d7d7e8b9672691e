"""The MDN cold start as code: learning curves of L1 and MDN heads, and what reaches the backbone, over the first
iterations (``benchmarks/cold_start.py`` is its command line).

Each run trains one model of one regime on one seed in-process (mmengine's Runner), with
:class:`TrainingDynamicsHook` recording each loss term's gradient on the backbone and Adam's step, checkpoints
every ``every`` iterations, and scores every checkpoint with heatmap refinement on and off (CocoMetric on the
regime's scoring set). Runs are cached under a work dir and resumable: an interrupted training resumes from its
last checkpoint, a scored checkpoint is not scored again.

Regimes: ``coco_test4`` (the learnability run: coco_test4's 4 images with augmentation, scored on them),
``coco_test4_memorise`` (the same images without augmentation: the whole path must memorise them),
``coco_mini`` (coco_mini's 36 training images, scored on them: a learning-speed measure, not generalisation),
``viewpoint`` (the main job's scenes, every cue visible, scored on their val split). Variants change the MDN models
only (L1 is the reference) and combine with ``+`` (see :data:`VARIANTS`). Config paths are the repository's: the
experiments run from a checkout.
"""
import copy
import json
import os
import os.path as osp
import re
import time

from . import processes
from .repository import DATA, ROOT
from .scoring import score_checkpoint

COCO_MINI_TRAIN = osp.join(DATA, 'coco_mini') + '/'
TEST4_OPTIONS = {'train_dataloader.dataset.data_root': osp.join(DATA, 'coco_test4') + '/',
                 'test_dataloader.dataset.data_root': osp.join(DATA, 'coco_test4') + '/',
                 'test_evaluator.ann_file': osp.join(DATA, 'coco_test4', 'test_coco.json')}
# regime -> config, iterations per epoch, cfg options (the scoring set is the val/test split)
REGIMES = dict(
    coco_test4=dict(config='benchmarks/configs/hg-tiny_mdn3_coco-test4_overfit.py', iters_per_epoch=1,
                    options=TEST4_OPTIONS),
    # the same 4 images without augmentation, each fitted into 256x256 as the test pipeline does: the whole path
    # (image, targets, loss, prediction, CocoMetric) must memorise them (AP 1)
    coco_test4_memorise=dict(config='benchmarks/configs/hg-tiny_mdn3_coco-test4_memorise.py', iters_per_epoch=1,
                             options=TEST4_OPTIONS),
    coco_mini=dict(config='configs/mdn/hg-tiny_mdn3_coco-mini.py', iters_per_epoch=9,
                   options={'optim_wrapper.optimizer.lr': 1e-3,  # the learnability run's lr
                            'train_dataloader.dataset.data_root': COCO_MINI_TRAIN,
                            'test_dataloader.dataset.data_root': COCO_MINI_TRAIN,
                            'test_dataloader.dataset.ann_file': 'annotations/person_keypoints_train2017.json',
                            'test_dataloader.dataset.data_prefix': dict(img='train2017/'),
                            'test_evaluator.ann_file':
                            COCO_MINI_TRAIN + 'annotations/person_keypoints_train2017.json'}),
    viewpoint=dict(config='configs/viewpoint/hg-tiny_mdn3_viewpoint_paper.py', iters_per_epoch=100, options={}),
)
MODELS = dict(L1=None, MDN1=1, MDN3=3)  # components
# variant -> cfg options (applied to MDN models); 'paper': the paper's recipe (MDNLoss weight 0.1, sigma floor 10,
# untrained start), whatever the regime config's default
VARIANTS = {
    'paper': {},
    'data': {'custom_hooks+': [dict(type='MDNDataInitHook', mean_init='kmeans', sigma_init='ml')]},
    'beta': {'model.head.offset_loss.beta': 1.0},
    'beta0.5': {'model.head.offset_loss.beta': 0.5},
    'w0.03': {'model.head.offset_loss.loss_weight': 0.03},
    'warmup': {'warmup': 500},
    'last': {'model.head.offset_loss_stacks': 'last'},
    'separate': {'model.head.mdn_branches': 'separate'},
}
RESET = re.compile(r'reset(\d+)')  # 'resetN': Adam's moments cleared before iteration N (OptimizerStateResetHook)


def variant_options(variant: str) -> dict:
    """The cfg options of a ``+``-joined variant."""
    options = {}
    for part in variant.split('+'):
        if RESET.fullmatch(part):
            part_options = {'custom_hooks+': [dict(type='OptimizerStateResetHook', iters=[int(part[5:])])]}
        elif part not in VARIANTS:
            raise ValueError(f'unknown variant {part!r} in {variant!r}; known: {", ".join(VARIANTS)}, resetN')
        else:
            part_options = VARIANTS[part]
        for key, value in part_options.items():
            options[key] = options.get(key, []) + value if key.endswith('+') else value
    return options


def run_dir(work_dir: str, regime: str, model: str, variant: str, seed: int) -> str:
    name = 'L1' if model == 'L1' else f'{model}_{variant}'
    return osp.join(work_dir, regime, name, f'seed{seed}')


def build_cfg(regime: str, model: str, variant: str, seed: int, iters: int, every: int, work: str,
              dynamics: int = 25, stop: int = None):
    """The training config of one run (the regime's config with the model, variant and an ``iters`` schedule set),
    trained up to iteration ``stop`` (default: ``iters``) of that schedule."""
    from mmengine.config import Config

    from mmpose_mdn.utils.config import visualizer_per_run
    spec = REGIMES[regime]
    cfg = Config.fromfile(osp.join(ROOT, spec['config']))
    ipe = spec['iters_per_epoch']
    schedule_epochs, every_epochs = max(1, iters // ipe), max(1, every // ipe)
    options = dict(spec['options'])
    options.update({'val' + k[4:]: v for k, v in spec['options'].items() if k.startswith('test_')})  # val = test
    if regime == 'viewpoint':
        data_root = osp.join(osp.dirname(work), 'viewpoint_data', f'seed{seed}') + '/'
        for loader in ('train', 'val', 'test'):
            options.update({f'{loader}_dataloader.dataset.data_root': data_root,
                            f'{loader}_dataloader.dataset.seed': seed,
                            f'{loader}_dataloader.dataset.hidden_cue': 0.0})
        for ev in ('val', 'test'):
            cfg[f'{ev}_evaluator'][0]['ann_file'] = data_root + 'annotations/viewpoint_val.json'
            cfg[f'{ev}_evaluator'] = cfg[f'{ev}_evaluator'][:1]  # CocoMetric only
    head = cfg.model.head
    # every model from the paper's recipe (whatever the config's default start), then the variant
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks', []) if not h['type'].startswith('MDN')]
    head.min_sigma = 10.0
    if MODELS[model] is None:
        head.num_components, head.offset_loss = None, None
    else:
        head.num_components, head.offset_loss = MODELS[model], dict(type='MDNLoss', loss_weight=0.1)
        for key, value in variant_options(variant).items():
            if key == 'custom_hooks+':
                cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + value
            elif key == 'warmup':
                cfg.param_scheduler = [dict(type='LinearLR', start_factor=1e-3, begin=0, end=value, by_epoch=False)
                                       ] + [s for s in cfg.param_scheduler if s['type'] != 'LinearLR']
            else:
                options[key] = value
    cfg.merge_from_dict(options)
    cfg.model.test_cfg.flip_test = False  # every model flip-free: the curves compare offsets, not test-time tricks
    if dynamics:
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [dict(type='TrainingDynamicsHook', interval=dynamics)]
    if schedule_epochs != cfg.train_cfg.max_epochs:  # another length: lr x0.1 at 80 %
        for s in cfg.param_scheduler:
            if s['type'] == 'MultiStepLR':
                s.update(end=schedule_epochs, milestones=[int(schedule_epochs * 0.8)])
    epochs = max(1, min(stop or iters, iters) // ipe)  # trained now, of the schedule
    cfg.train_cfg.max_epochs, cfg.train_cfg.val_interval = epochs, epochs + 1  # scored afterwards, on and off
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=every_epochs, by_epoch=True,
                                        max_keep_ckpts=-1, save_best=None, save_last=True)
    cfg.default_hooks.logger.interval = 50
    cfg.randomness = dict(seed=seed)
    cfg.work_dir = work
    visualizer_per_run(cfg)  # the scoring Runners run in the same process
    return cfg, epochs, every_epochs, ipe


def train_and_score(job: tuple) -> str:
    """One run (regime, model, variant, seed, iters, every, work_dir, dynamics interval, stop): train or resume,
    score every checkpoint; writes ``scores.json`` ({'<iteration>/<on|off>': AP}) and returns the run's folder."""
    regime, model, variant, seed, iters, every, work_dir, dynamics, stop = job
    from mmengine.runner import Runner

    import mmpose_mdn  # noqa: F401
    work = run_dir(work_dir, regime, model, variant, seed)
    cfg, epochs, every_epochs, ipe = build_cfg(regime, model, variant, seed, iters, every, work, dynamics, stop)
    final = osp.join(work, f'epoch_{epochs}.pth')
    if not osp.exists(final):
        started = time.time()
        cfg.resume = osp.exists(osp.join(work, 'last_checkpoint'))
        Runner.from_cfg(copy.deepcopy(cfg)).train()
        with open(osp.join(work, 'train_time.json'), 'w') as f:
            json.dump(dict(seconds=time.time() - started, resumed=cfg.resume), f)
    scores_file = osp.join(work, 'scores.json')
    scores = json.load(open(scores_file)) if osp.exists(scores_file) else {}
    for epoch in range(every_epochs, epochs + 1, every_epochs):
        for mode in ('on', 'off'):
            key = f'{epoch * ipe}/{mode}'
            if key not in scores:
                metrics = score_checkpoint(cfg, osp.join(work, f'epoch_{epoch}.pth'), mode == 'on',
                                f'score_{epoch}_{mode}_{time.time_ns()}')
                scores[key] = metrics['coco/AP']
                with open(scores_file, 'w') as f:
                    json.dump(scores, f, indent=1)
    return work


def load_curves(work_dir, regime, model, variant, seeds, mode):
    """seed -> {iteration: AP} of the cached runs that have scores (refinement ``mode`` 'on' or 'off')."""
    curves = {}
    for seed in seeds:
        f = osp.join(run_dir(work_dir, regime, model, variant, seed), 'scores.json')
        if osp.exists(f):
            scores = json.load(open(f))
            curves[seed] = {int(k.split('/')[0]): v for k, v in scores.items() if k.endswith('/' + mode)}
    return curves


def logged_losses(work: str) -> dict:
    """step -> the losses the logger recorded there (its window means), from a run's ``vis_data/scalars.json``
    files (a resumed run has several; the latest record of a step wins)."""
    from glob import glob
    records = {}
    for f in sorted(glob(osp.join(work, '*', 'vis_data', 'scalars.json'))):
        with open(f) as fh:
            for line in fh:
                r = json.loads(line)
                if 'loss_centre' in r:
                    records[r['step']] = r
    return records


def write_report(runs: list, regimes: list, seeds: list, iters: int, every: int, work_dir: str, plots_dir: str,
                 tag: str = '', command: str = '') -> str:
    """The report (Markdown) of the cached ``runs`` ((regime, model, variant) triples): per regime, AP tables (mean ±
    std over ``seeds``, the ratio to L1's mean from iteration 1000 on), the heatmap losses, what reached the backbone
    (the first seed); the plots go to ``plots_dir`` as ``cold_start_<regime><tag>[_dynamics].png``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmpose_mdn.engine.hooks.training_dynamics_hook import read_dynamics
    from mmpose_mdn.evaluation.learning_curves import curve_stats, meets_ratio, ratio_to_reference
    lines = [f'Command: `python benchmarks/cold_start.py {command}`', '',
             f'Seeds {seeds}; {iters} iterations, scored every {every}; CPU, one torch thread a run.',
             '']
    names = sorted(dict.fromkeys(('L1' if m == 'L1' else f'{m}_{v}', m, v) for _, m, v in runs),
                   key=lambda r: r[0] != 'L1')  # L1 first, then the runs in the order asked (a stable sort)
    for regime in regimes:
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
        lines += [f'## {regime}', '', '| model | refinement | ' + ' | '.join(
            str(i) for i in range(every, iters + 1, every)) + ' |',
            '| --- | --- |' + ' ---: |' * (iters // every)]
        verdicts = []
        for ax, mode in zip(axes, ('on', 'off')):
            ref = load_curves(work_dir, regime, 'L1', 'paper', seeds, mode)
            for name, model, variant in names:
                curves = load_curves(work_dir, regime, model, variant, seeds, mode)
                if not curves:
                    continue
                points, mean, std = curve_stats(curves)
                ax.errorbar(points, mean, yerr=std, label=f'{name} ({len(curves)} seeds)', capsize=3)
                cells = {i: f'{m:.3f} ± {s:.3f}' for i, m, s in zip(points, mean, std)}
                lines.append(f'| {name} | {mode} | ' + ' | '.join(
                    cells.get(i, '–') for i in range(every, iters + 1, every)) + ' |')
                if model != 'L1' and ref:
                    ratios = ratio_to_reference(curves, ref, from_iter=min(1000, iters))
                    per_seed = [min(ratio_to_reference({s: curves[s]}, {s: ref[s]}, min(1000, iters)).values())
                                for s in sorted(set(curves) & set(ref))]
                    verdicts.append(f'- {name}, refinement {mode}: AP / L1 from iteration {min(1000, iters)} on: '
                                    + ', '.join(f'{i}: {r:.2f}' for i, r in ratios.items())
                                    + f'; lowest per seed {", ".join(f"{r:.2f}" for r in per_seed)}'
                                    + f' (seeds {sorted(set(curves) & set(ref))}): '
                                    + ('**≥ 0.95 at every checkpoint**' if meets_ratio(ratios, 0.95)
                                       else 'below 0.95'))
            ax.set(title=f'{regime}: refinement {mode}', xlabel='iteration', ylabel='AP (mean ± std over seeds)')
            ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
        lines += [''] + verdicts + ['', f'![{regime}](../../docs/cold_start_{regime}{tag}.png)', '']
        # the gap split: the heatmaps' own losses (refinement snaps to them) at the scored iterations
        scored = range(2 * every, iters + 1, 2 * every)
        lines += ['Heatmap focal losses (centre / keypoints; the logger\'s window mean, mean over seeds) at the scored '
                  'iterations: where an MDN lags here, its heatmaps lag, whatever its offsets do.', '',
                  '| model | ' + ' | '.join(str(i) for i in scored) + ' |', '| --- |' + ' ---: |' * len(scored)]
        for name, model, variant in names:
            runs_logged = [logged_losses(run_dir(work_dir, regime, model, variant, s)) for s in seeds]
            cells = []
            for i in scored:
                logged = [r[i] for r in runs_logged if i in r]
                cells.append(f'{sum(r["loss_centre"] for r in logged) / len(logged):.2f} / '
                             f'{sum(r["loss_kpt_heatmap"] for r in logged) / len(logged):.2f}' if logged else '–')
            if any(c != '–' for c in cells):
                lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
        lines.append('')
        os.makedirs(plots_dir, exist_ok=True)
        fig.tight_layout()
        fig.savefig(osp.join(plots_dir, f'cold_start_{regime}{tag}.png'), dpi=90)
        plt.close(fig)
        # what reaches the backbone: the first seed of each run
        table = ['| run | iteration | offsets | keypoint heatmaps | centre heatmap | all terms | Adam sqrt(v) RMS | '
                 'Adam step RMS |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |']
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
        for name, model, variant in names:
            f = osp.join(run_dir(work_dir, regime, model, variant, seeds[0]), 'training_dynamics.jsonl')
            if not osp.exists(f):
                continue
            dyn = read_dynamics(f)
            its = sorted(dyn)
            off = 'grad_norm/loss_offset' if model == 'L1' else 'grad_norm/loss_mdn'
            line, = axes[0].semilogy(its, [dyn[i][off] for i in its], label=f'{name}: offsets')
            axes[0].semilogy(its, [dyn[i]['grad_norm/loss_kpt_heatmap'] for i in its], ':', color=line.get_color(),
                             label=f'{name}: keypoint heatmaps')
            axes[0].semilogy(its, [dyn[i]['grad_norm/loss_centre'] for i in its], '--', color=line.get_color(),
                             label=f'{name}: centre heatmap')
            axes[1].semilogy(its, [dyn[i]['adam/step_rms'] for i in its], color=line.get_color(),
                             label=f'{name}: step RMS')
            for i in [i for i in (0, 100, 250, 500, 1000, 1500) if i in dyn]:
                r = dyn[i]
                table.append(f'| {name} | {i} | {r[off]:.3g} | {r["grad_norm/loss_kpt_heatmap"]:.3g} | '
                             f'{r["grad_norm/loss_centre"]:.3g} | {r["grad_norm/total"]:.3g} | '
                             f'{r["adam/sqrt_v_rms"]:.3g} | {r["adam/step_rms"]:.3g} |')
        axes[0].set(title=f'{regime}: gradient norm on the backbone, per loss term (seed {seeds[0]})',
                    xlabel='iteration')
        axes[1].set(title="Adam's step on the backbone (RMS of the parameter change)", xlabel='iteration')
        for ax in axes:
            ax.legend(fontsize=7)
            ax.grid(alpha=0.3)
        if len(table) > 2:  # runs with TrainingDynamicsHook records
            fig.tight_layout()
            fig.savefig(osp.join(plots_dir, f'cold_start_{regime}{tag}_dynamics.png'), dpi=90)
            lines += [f'What reaches the backbone (seed {seeds[0]}; gradient L2 norms over the backbone\'s '
                      'parameters of each weighted loss term, from the iteration\'s batch; Adam\'s state after the '
                      'step):', ''] + table + [
                '', f'![{regime} dynamics](../../docs/cold_start_{regime}{tag}_dynamics.png)', '']
        plt.close(fig)
    return '\n'.join(lines)


def run_jobs(jobs: list, workers: int) -> None:
    """:func:`train_and_score` each job, ``workers`` at a time in spawned processes, or in this process for one
    worker; one torch thread a run (:func:`~mmpose_mdn.experiments.processes.run_jobs`)."""
    for _, work in processes.run_jobs(train_and_score, jobs, workers):
        print(f'[{time.strftime("%H:%M:%S")}] done {work}', flush=True)
