"""Controlled experiments on the viewpoint benchmark: when does an MDN beat L1 offsets, and does π pick the
viewpoint? Each run trains one model of ``configs/viewpoint/`` with a variant's config overrides on one seed's
scenes (``benchmarks/viewpoint_benchmark.py``'s train and test), and caches its result in
``<work-dir>/runs/<run>/result.json``: an interrupted study resumes where it stopped, and any row is rerun by
deleting its folder (or with ``--rerun``)::

    python benchmarks/viewpoint_study.py --groups gate ambiguity convergence sigma [--seeds 100 101]
                                         [--only RUN ...] [--jobs 2] [--work-dir work_dirs/viewpoint_study]
    python benchmarks/viewpoint_study.py --list          # every run of the chosen groups, cached or not

``--quick`` is the CI variant (48 training and 16 validation images, 1 epoch a run). ``--report`` only rewrites
``study.md`` and its plots from the cache. Runs are named ``<model>-<variant>[-hidden<share>][-x<epochs
factor>]-s<seed>``; a run in several groups is trained once.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import viewpoint_benchmark as vb

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


# the MDN2 variant of the convergence and sigma groups: the main job's default, chosen on the design seeds
CHOSEN = 'kmeans+lik300'
HIDDEN = (0.0, 0.5, 1.0)
FACTORS = (0.5, 1.0, 2.0)
GROUPS = {
    'gate': [('L1', 'base', 0.0, 1.0)] + [('MDN2', v, 0.0, 1.0) for v in
                                            ('kmeans+lik30', 'base', 'kmeans', 'lik30', 'gate30', 'rwta-ramp30',
                                             'kmeans+lik100', 'kmeans+lik300')],
    'ambiguity': [(m, v, h, 1.0) for m, v in (('L1', 'base'), ('MDN2', 'kmeans+lik100'), ('MDN2', 'lik30'),
                                               ('MDN2', 'kmeans+lik300'), ('MDN2', 'base')) for h in HIDDEN],
    'convergence': [(m, v, 0.5, f) for f in FACTORS for m, v in (('L1', 'base'), ('MDN2', CHOSEN))],
    'sigma': [('MDN2', v, 0.5, 1.0) for v in (CHOSEN, f'{CHOSEN}+sigma-ml', f'{CHOSEN}+nll', f'{CHOSEN}+sigma-ml+nll')],
}
COLUMNS = (('AP', 'coco/AP'), ('AR', 'coco/AR'), ('left/right order', 'viewpoint/lr_order'),
           ('order, cue visible', 'viewpoint/lr_order_visible'), ('order, cue hidden', 'viewpoint/lr_order_hidden'),
           ('agreement', 'viewpoint/agreement'),
           ('agreement, cue visible', 'viewpoint/agreement_visible'))


def spec_name(model: str, variant: str, hidden: float, factor: float) -> str:
    """A run's name without its seed, as ``--only`` takes it."""
    return f'{model}-{variant}' + (f'-hidden{hidden:g}' if hidden else '') + (f'-x{factor:g}' if factor != 1 else '')


def run_name(model: str, variant: str, hidden: float, factor: float, seed: int) -> str:
    return f'{spec_name(model, variant, hidden, factor)}-s{seed}'


def write_config(work_dir: str, name: str, model: str, variant: str) -> str:
    """The run's config, ``<work-dir>/configs/<run>.py``: the model's viewpoint config plus the variant's
    overrides (outside the run's folder, where mmengine dumps the merged config under the same name)."""
    base = osp.join(vb.ROOT, 'configs', 'viewpoint', vb.MODELS[model] + '.py')
    os.makedirs(osp.join(work_dir, 'configs'), exist_ok=True)
    path = osp.join(work_dir, 'configs', name + '.py')
    with open(path, 'w') as f:
        f.write(f'_base_ = [{base!r}]\n{variant_config(model, variant)}')
    return path


def run_one(spec: tuple, seed: int, work_dir: str, sizes: dict, rerun: bool) -> dict:
    """Train and test one run unless its result is cached; returns the result."""
    model, variant, hidden, factor = spec
    if model == 'L1' and variant != 'base':
        raise ValueError(f'variant {variant} is for MDN heads')
    name = run_name(*spec, seed)
    run_dir = osp.join(work_dir, 'runs', name)
    result_file = osp.join(run_dir, 'result.json')
    data_root = osp.join(work_dir, 'data', f'seed{seed}' + (f'_hidden{hidden:g}' if hidden else ''))
    if osp.isfile(result_file) and not rerun:
        result = json.load(open(result_file))
        if 'probe' not in result:  # cached before the probe was part of a run
            result['probe'] = probe(name, work_dir, data_root)
            save(result, result_file)
        return result
    os.makedirs(run_dir, exist_ok=True)
    run_sizes = dict(sizes, epochs=max(1, round(factor * (sizes['epochs'] or vb.EPOCHS))))
    vb.log(f'{name}: train + test')
    result = vb.train_and_test(write_config(work_dir, name, model, variant), name, seed, data_root, run_dir, run_sizes,
                               hidden_cue=hidden, components=model in ('MDN2', 'MDN3'))
    result.update(model=model, variant=variant, hidden_cue=hidden, factor=factor, seed=seed,
                  epochs=run_sizes['epochs'], probe=probe(name, work_dir, data_root))
    save(result, result_file)
    return result


def probe(name: str, work_dir: str, data_root: str) -> dict:
    """benchmarks/viewpoint_probe.py on the run's checkpoint: is the viewpoint linearly readable at the centre?"""
    run_dir = osp.join(work_dir, 'runs', name)
    # the checkpoint of the run's folder by name: a cache moved or renamed keeps working
    ckpt = osp.join(run_dir, osp.basename(open(osp.join(run_dir, 'last_checkpoint')).read().strip()))
    out = osp.join(run_dir, 'probe.json')
    vb.run([sys.executable, 'benchmarks/viewpoint_probe.py', osp.join(work_dir, 'configs', name + '.py'), ckpt,
            data_root, '--out', out], osp.join(run_dir, 'probe.log'), name)
    return json.load(open(out))


def save(result: dict, path: str) -> None:
    json.dump(result, open(path + '.tmp', 'w'), indent=1)
    os.replace(path + '.tmp', path)


def fmt(values) -> str:
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=np.float64)
    if not len(v):
        return '–'
    return f'{v.mean():.3f}' + (f' ± {v.std(ddof=1):.3f}' if len(v) > 1 else '')


def front_pi(components: dict) -> tuple:
    """Mean π of the 'front' component f (the one whose π is most above for front than for back people) over
    front and over back people: runs order their components arbitrarily, this is comparable across them."""
    front, back = np.array(components['mean_pi_front']), np.array(components['mean_pi_back'])
    f = int(np.argmax(front - back))
    return front[f], back[f]


def group_table(group: str, results: dict, seeds: list) -> list:
    """Markdown rows of one group: per (model, variant, hidden, factor), mean ± std over the seeds."""
    head = ['model', 'variant', 'hidden cue', 'epochs', 'seeds'] + [c for c, _ in COLUMNS] + [
        'π_f of front / back people', 'chosen / oracle px', 'oracle = viewpoint', 'probe']
    lines = ['| ' + ' | '.join(head) + ' |', '| --- ' * len(head) + '|']
    for spec in GROUPS[group]:
        res = [results[run_name(*spec, s)] for s in seeds if run_name(*spec, s) in results]
        if not res:
            continue
        comp = [r['components'] for r in res if r.get('components')]
        pis = ' / '.join(f'{np.mean([front_pi(c)[i] for c in comp]):.2f}' for i in (0, 1)) if comp else '–'
        err = (f'{np.mean([c["chosen_error_px"] for c in comp]):.2f} / '
               f'{np.mean([c["oracle_error_px"] for c in comp]):.2f}') if comp else '–'
        oracle = fmt([c['oracle_agreement'] for c in comp]) if comp else '–'
        lines.append(f'| {spec[0]} | {spec[1]} | {spec[2]:g} | {res[0]["epochs"]} | '
                     + ','.join(str(r['seed']) for r in res) + ' | ' + ' | '.join(
            fmt([r['metrics'].get(key) for r in res]) for _, key in COLUMNS) + f' | {pis} | {err} | {oracle} | '
            + fmt([r['probe']['backbone_val_acc'] for r in res if 'probe' in r]) + ' |')
    return lines


def plot_lines(results: dict, seeds: list, group: str, x_index: int, xlabel: str, out: str) -> None:
    """AP, and MDN2's agreement on the people whose cue is visible, against the group's varied quantity (hidden
    share or schedule factor): one line per model/variant, each point the mean over the seeds it has."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    labels = list(dict.fromkeys(f'{spec[0]} {spec[1]}' for spec in GROUPS[group]))
    colors = {label: f'C{i}' for i, label in enumerate(labels)}  # the same line colour in both panels
    for ax, ylabel, get in ((axes[0], 'COCO AP (val)', lambda m: m['coco/AP']),
                            (axes[1], 'π agreement, cue visible', vb.visible_agreement)):
        curves = {}
        for spec in GROUPS[group]:
            values = [get(results[run_name(*spec, s)]['metrics']) for s in seeds if run_name(*spec, s) in results]
            values = [v for v in values if np.isfinite(v)]
            if values:
                curves.setdefault(f'{spec[0]} {spec[1]}', []).append((spec[x_index], np.mean(values)))
        for label, pts in curves.items():
            x, y = zip(*sorted(pts))
            ax.plot(x, y, 'o-', label=label, color=colors[label])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    axes[1].axhline(0.8, color='grey', ls=':', lw=1)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def write_report(results: dict, groups: list, seeds: list, work_dir: str, command: str) -> str:
    lines = ['# Viewpoint study', '', f'`{command}`; seeds {", ".join(map(str, seeds))}; mean ± sample std over '
             'seeds. Runs cached in `runs/`, their configs in `configs/`.', '']
    for group in groups:
        lines += [f'## {group}', ''] + group_table(group, results, seeds) + ['']
        if group in ('ambiguity', 'convergence'):
            png = f'{group}.png'
            plot_lines(results, seeds, group, 2 if group == 'ambiguity' else 3,
                       'share of people with the viewpoint cue hidden' if group == 'ambiguity' else
                       'schedule (× the benchmark\'s 20 epochs)', osp.join(work_dir, png))
            lines += [f'![{group}]({png})', '']
    path = osp.join(work_dir, 'study.md')
    open(path, 'w').write('\n'.join(lines))
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--groups', nargs='+', default=list(GROUPS), choices=list(GROUPS))
    parser.add_argument('--seeds', type=int, nargs='+', default=[100], help='design seeds: 100, 101')
    parser.add_argument('--only', nargs='+', help='only these runs (names as --list prints, without -s<seed>)')
    parser.add_argument('--rerun', action='store_true', help='train the selected runs again, ignoring the cache')
    parser.add_argument('--quick', action='store_true', help='CI variant: 48 + 16 images, 1 epoch a run')
    parser.add_argument('--list', action='store_true', help='print the runs and whether they are cached')
    parser.add_argument('--report', action='store_true', help='only write study.md from the cache')
    parser.add_argument('--jobs', type=int, default=2, help='runs trained at once (one thread each)')
    parser.add_argument('--work-dir', default=osp.join(vb.ROOT, 'work_dirs', 'viewpoint_study'))
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error(f'--jobs must be >= 1, got {args.jobs}')
    sizes = dict(vb.SIZES['quick' if args.quick else 'full'])
    work_dir = osp.abspath(args.work_dir)
    specs = list(dict.fromkeys(spec for g in args.groups for spec in GROUPS[g]))
    if args.only:
        unknown = set(args.only) - {spec_name(*spec) for spec in specs}
        if unknown:
            parser.error(f'--only names no run of groups {args.groups}: {sorted(unknown)} (see --list)')
        specs = [spec for spec in specs if spec_name(*spec) in args.only]
    runs = [(spec, seed) for seed in args.seeds for spec in specs]
    cached = lambda spec, seed: osp.isfile(osp.join(work_dir, 'runs', run_name(*spec, seed), 'result.json'))  # noqa
    if args.list:
        for spec, seed in runs:
            print(f'{"cached " if cached(spec, seed) else "pending"} {run_name(*spec, seed)}')
        return
    os.makedirs(work_dir, exist_ok=True)
    start = time.time()
    if not args.report:
        with ThreadPoolExecutor(args.jobs) as pool:
            for future in [pool.submit(run_one, spec, seed, work_dir, sizes, args.rerun) for spec, seed in runs]:
                future.result()
    results = {}
    for spec in (s for g in GROUPS.values() for s in g):
        for seed in args.seeds:
            if cached(spec, seed):
                results[run_name(*spec, seed)] = json.load(open(osp.join(work_dir, 'runs', run_name(*spec, seed),
                                                                          'result.json')))
    command = 'python benchmarks/viewpoint_study.py --groups ' + ' '.join(args.groups) + ' --seeds ' + ' '.join(
        map(str, args.seeds)) + (' --quick' if args.quick else '')
    path = write_report(results, args.groups, args.seeds, work_dir, command)
    vb.log(('' if args.report else f'{len(runs)} run(s) in {(time.time() - start) / 60:.1f} min; ') + f'report {path}')


if __name__ == '__main__':
    main()
