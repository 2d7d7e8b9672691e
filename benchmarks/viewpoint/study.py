"""The viewpoint study's runs: a model of ``configs/viewpoint/`` with a variant's config overrides, on one seed's
scenes with a share of hidden cues and a schedule factor, cached in ``<work-dir>/runs/<run>/result.json``."""
import json
import os
import os.path as osp

from .runner import EPOCHS, MODELS, ROOT, run_all, run_options

# the MDN recipe every variant starts from (round 2's: configs/viewpoint/ as of round 2), whatever the configs'
# default is now, so cached runs stay what they were; hooks of one type from several pieces are merged
ROUND2_LOSS = dict(type='MDNLoss', loss_weight=0.03, beta=1.0)
# what each piece of a variant changes: hooks added, head and MDNLoss settings; a variant joins pieces with '+'
PIECES = {
    'base': dict(),  # round 2's recipe
    # how pi learns
    'gate30': dict(loss=dict(pi_weight=30.0)),
    'lik30': dict(loss=dict(pi_weight=30.0, gate_target='likelihood')),
    'lik100': dict(loss=dict(pi_weight=100.0, gate_target='likelihood')),
    'lik300': dict(loss=dict(pi_weight=300.0, gate_target='likelihood')),
    'kmeans': dict(hooks=[dict(type='MDNDataInitHook', mean_init='kmeans')]),
    'rwta-ramp30': dict(hooks=[dict(type='MDNLossScheduleHook', responsibility_floor=[(0, 0.5), (1000, 0.0)],
                                    pi_weight=[(1000, 1.0), (1200, 30.0)])]),
    # variance initialisation and the paper's loss
    'sigma-ml': dict(hooks=[dict(type='MDNDataInitHook', sigma_init='ml')], head=dict(min_sigma=1.0)),
    'nll': dict(loss=dict(beta=0.0)),
}
# the MDN2 variant of the convergence and sigma groups: the main job's default, chosen on the design seeds
CHOSEN = 'kmeans+lik300'
HIDDEN = (0.0, 0.5, 1.0)
FACTORS = (0.5, 1.0, 2.0)
# group -> runs (model, variant, hidden cue, schedule factor)
GROUPS = {
    'gate': [('L1', 'base', 0.0, 1.0)] + [('MDN2', v, 0.0, 1.0) for v in
                                            ('kmeans+lik30', 'base', 'kmeans', 'lik30', 'gate30', 'rwta-ramp30',
                                             'kmeans+lik100', 'kmeans+lik300')],
    'ambiguity': [(m, v, h, 1.0) for m, v in (('L1', 'base'), ('MDN2', 'kmeans+lik100'), ('MDN2', 'lik30'),
                                               ('MDN2', 'kmeans+lik300'), ('MDN2', 'base')) for h in HIDDEN],
    'convergence': [(m, v, 0.5, f) for f in FACTORS for m, v in (('L1', 'base'), ('MDN2', CHOSEN))],
    'sigma': [('MDN2', v, 0.5, 1.0) for v in (CHOSEN, f'{CHOSEN}+sigma-ml', f'{CHOSEN}+nll', f'{CHOSEN}+sigma-ml+nll')],
}
# the groups plotted against what they vary: (index in the run spec, axis label)
LINE_PLOTS = dict(ambiguity=(2, 'share of people with the viewpoint cue hidden'),
                  convergence=(3, f'schedule (× the benchmark\'s {EPOCHS} epochs)'))


def variant_config(model: str, variant: str) -> str:
    """Config text of a variant: round 2's recipe, then its pieces' hooks, head and loss settings in order."""
    hooks, head, loss = {'SyncBuffersHook': dict(type='SyncBuffersHook')}, {}, dict(ROUND2_LOSS)
    for piece in variant.split('+'):
        if piece not in PIECES:
            raise ValueError(f'unknown variant piece {piece!r} in {variant!r}: one of {sorted(PIECES)}')
        for hook in PIECES[piece].get('hooks', []):
            hooks.setdefault(hook['type'], {}).update(hook)
        head.update(PIECES[piece].get('head', {}))
        loss.update(PIECES[piece].get('loss', {}))
    text = f'custom_hooks = {list(hooks.values())!r}\n'  # mmpose's runtime has SyncBuffersHook: kept
    if model != 'L1':
        head['offset_loss'] = dict(_delete_=True, **loss)
    return text + (f'model = dict(head={head!r})\n' if head else '')


def spec_name(model: str, variant: str, hidden: float, factor: float) -> str:
    """A run's name without its seed, as ``--only`` takes it."""
    return f'{model}-{variant}' + (f'-hidden{hidden:g}' if hidden else '') + (f'-x{factor:g}' if factor != 1 else '')


def run_name(spec: tuple, seed: int) -> str:
    return f'{spec_name(*spec)}-s{seed}'


def result_file(work_dir: str, spec: tuple, seed: int) -> str:
    return osp.join(work_dir, 'runs', run_name(spec, seed), 'result.json')


def study_run(spec: tuple, seed: int, work_dir: str, sizes: dict) -> dict:
    """The run of (spec, seed) for :func:`train_and_test`, its config written to ``<work-dir>/configs/<run>.py``
    (outside the run's folder, where mmengine dumps the merged config under the same name)."""
    model, variant, hidden, factor = spec
    if model == 'L1' and variant != 'base':
        raise ValueError(f'variant {variant} is for MDN heads')
    name = run_name(spec, seed)
    config = osp.join(work_dir, 'configs', name + '.py')
    os.makedirs(osp.dirname(config), exist_ok=True)
    with open(config, 'w') as f:
        f.write(f'_base_ = [{osp.join(ROOT, "configs", "viewpoint", MODELS[model] + ".py")!r}]\n'
                f'{variant_config(model, variant)}')
    data_root = osp.join(work_dir, 'data', f'seed{seed}' + (f'_hidden{hidden:g}' if hidden else ''))
    sizes = dict(sizes, epochs=max(1, round(factor * (sizes['epochs'] or EPOCHS))))
    return dict(spec=spec, seed=seed, config=config, tag=name, data_root=data_root, probe=True,
                work_dir=osp.dirname(result_file(work_dir, spec, seed)), components=model in ('MDN2', 'MDN3'),
                options=run_options(seed, data_root, sizes, hidden), epochs=sizes['epochs'])


def run_study(specs: list, seeds: list, work_dir: str, sizes: dict, jobs: int, rerun: bool = False) -> None:
    """Train and test every (spec, seed) whose result is not cached (all with ``rerun``), caching each result as
    it finishes."""
    runs = [study_run(spec, seed, work_dir, sizes) for seed in seeds for spec in specs
            if rerun or not osp.isfile(result_file(work_dir, spec, seed))]
    for run, result in run_all(runs, jobs):
        model, variant, hidden, factor = run['spec']
        result.update(model=model, variant=variant, hidden_cue=hidden, factor=factor, seed=run['seed'],
                      epochs=run['epochs'])
        path = result_file(work_dir, run['spec'], run['seed'])
        with open(path + '.tmp', 'w') as f:
            json.dump(result, f, indent=1)
        os.replace(path + '.tmp', path)
