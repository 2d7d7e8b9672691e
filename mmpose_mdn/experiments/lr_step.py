"""A final learning-rate step after the plateau: do the plateau's rankings hold once the lr is divided, as the
paper's schedule divides it near its end? The plateau runs (:mod:`.plateau`) keep a constant lr so that they can be
continued; this experiment is the step they leave out.

A stepped run continues a finished plateau run from its last checkpoint (iteration P) for ``iters`` iterations with
the lr x ``factor``: the checkpoint is copied with every parameter group's lr multiplied (:func:`stepped_checkpoint`)
and resumed, so Adam's moments, the iteration count and the data order go on as the plateau run's would. Every
``every`` iterations its checkpoint is scored as the plateau's are (refinement on and off). Its folder mirrors the
plateau run's under another work dir (``<step_dir>/<regime>/<run>/seed<S>``, the scenes shared through a link
``<step_dir>/data``) with the same files: ``scores.json`` from the plateau's last score on, ``state.json``
(``from``: P, ``factor``, ``finished``), the checkpoints. So the claims table and the report
(:func:`.plateau.write_report`) read a stepped work dir as they read the plateau's. Cached and resumable.
"""
import json
import os
import os.path as osp
from typing import List, Sequence

from .plateau import build_cfg, checkpoint, curve, run_dir, score_missing, scoring_cfgs, train_chunk


def stepped_checkpoint(src: str, dst: str, factor: float) -> List[float]:
    """Copy the mmengine checkpoint ``src`` to ``dst`` with the lr of each of its optimizer's parameter groups
    multiplied by ``factor``; returns the new lrs."""
    import torch

    from mmpose_mdn.utils import load_local_checkpoint
    checkpoint = load_local_checkpoint(src, map_location='cpu')
    groups = checkpoint['optimizer']['param_groups']
    for group in groups:
        group['lr'] *= factor
    torch.save(checkpoint, dst)
    return [group['lr'] for group in groups]


def plateau_end(plateau_dir: str, regime: str, model: str, recipe: str, seed: int, max_iters: int) -> int:
    """The last scored iteration of a finished plateau run (plateaued, or at ``max_iters``); a clear error naming its
    folder otherwise."""
    from .claims import finished
    work = run_dir(plateau_dir, regime, model, recipe, seed)
    state_file = osp.join(work, 'state.json')
    if not osp.exists(state_file) or not finished(json.load(open(state_file)), max_iters):
        raise RuntimeError(f'{work}: the plateau run has not finished (state.json: not plateaued, below '
                           f'{max_iters} iterations, or missing); train it first (benchmarks/plateau.py)')
    return max(curve(json.load(open(osp.join(work, 'scores.json')))))


def train_lr_step(job: tuple) -> str:
    """One stepped run (regime, model, recipe, seed, iters, every, factor, plateau_dir, max_iters, step_dir, size):
    the finished plateau run's last checkpoint, its lr x ``factor``, trained ``iters`` more iterations, a score
    every ``every``; returns the stepped run's folder. A stopped run starts again from the copied checkpoint
    (:func:`~.plateau.train_chunk`); a finished one trains nothing."""
    import mmpose_mdn  # noqa: F401
    regime, model, recipe, seed, iters, every, factor, plateau_dir, max_iters, step_dir, size = job
    start = plateau_end(plateau_dir, regime, model, recipe, seed, max_iters)
    source = run_dir(plateau_dir, regime, model, recipe, seed)
    if start % every:  # the checkpoints come every ``every`` iterations counted from 0
        raise ValueError(f'{source} ends at iteration {start}, not a multiple of the score interval {every}')
    work = run_dir(step_dir, regime, model, recipe, seed)
    os.makedirs(work, exist_ok=True)
    data = osp.join(step_dir, 'data')
    try:
        os.symlink(osp.abspath(osp.join(plateau_dir, 'data')), data)
    except FileExistsError:  # linked before, or by a run stepping at the same time
        pass
    cfg, ipe = build_cfg(regime, model, recipe, seed, every, work, size)
    state_file = osp.join(work, 'state.json')
    state = json.load(open(state_file)) if osp.exists(state_file) else {}
    if state and (state['from'], state['factor']) != (start, factor):
        raise RuntimeError(f'{work}: stepped at iteration {state["from"]} with lr x {state["factor"]}, not at '
                           f'{start} with x {factor}: use another step dir')
    if not state:
        lrs = stepped_checkpoint(checkpoint(source, ipe, start), checkpoint(work, ipe, start), factor)
        scores = json.load(open(osp.join(source, 'scores.json')))
        with open(osp.join(work, 'scores.json'), 'w') as f:  # the curve starts at the plateau's last score
            json.dump({k: v for k, v in scores.items() if int(k.split('/')[0]) == start}, f, indent=1)
        state = {'from': start, 'factor': factor, 'lr': lrs, 'iters': start, 'train_s': 0.0, 'finished': False}
        with open(state_file, 'w') as f:
            json.dump(state, f, indent=1)
    if state['iters'] < start + iters:
        seconds = train_chunk(cfg, work, ipe, start, start + iters)
        state.update(iters=start + iters, train_s=state['train_s'] + seconds)
        with open(state_file, 'w') as f:
            json.dump(state, f, indent=1)
    scores = json.load(open(osp.join(work, 'scores.json')))
    score_missing(scoring_cfgs(cfg), work, ipe, range(start + every, start + iters + 1, every), scores)
    state['finished'] = True
    with open(state_file, 'w') as f:
        json.dump(state, f, indent=1)
    return work


def step_table(runs: Sequence[tuple], seeds: Sequence[int], plateau_dir: str, step_dir: str) -> List[str]:
    """Markdown lines: for each stepped run of ``runs`` ((regime, model, recipe)) and seed, the AP with refinement
    on and off at the plateau's last score and after the step (its last score), and the change."""
    from mmpose_mdn.evaluation.report import markdown_table

    from .plateau import run_name
    rows = []
    for regime, model, recipe in runs:
        for seed in seeds:
            path = osp.join(run_dir(step_dir, regime, model, recipe, seed), 'state.json')
            state = json.load(open(path)) if osp.exists(path) else {}
            if not state.get('finished'):
                continue
            scores = json.load(open(osp.join(osp.dirname(path), 'scores.json')))
            cells = []
            for mode in ('on', 'off'):
                c = curve(scores, mode=mode)
                before, after = c[state['from']], c[max(c)]
                cells.append(f'{before:.3f} → {after:.3f} ({after - before:+.3f})')
            rows.append([regime, run_name(model, recipe), str(seed), f'{state["from"]} + {max(c) - state["from"]}',
                         *cells])
    return markdown_table(['regime', 'run', 'seed', 'iterations: plateau + step', 'AP, refinement on',
                           'AP, refinement off'], rows)


def seed_table(runs: Sequence[tuple], seeds: Sequence[int], plateau_dir: str, step_dir: str,
               max_iters: int) -> List[str]:
    """Markdown lines: one row per run of ``runs`` ((regime, model, recipe)), its AP with refinement on at each seed's
    last score (``a / b / c``) at the plateau (``(the <max_iters> cap, not flat)`` where the run reached
    ``max_iters`` still rising) and after the lr step; *pending* where that stage has not finished. The rows go
    regime by regime, in :data:`~.plateau.REGIMES`' order."""
    from mmpose_mdn.evaluation.report import markdown_table

    from .claims import finished
    from .plateau import REGIMES, run_name

    def last_ap(folder: str) -> str:
        path = osp.join(folder, 'state.json')
        state = json.load(open(path)) if osp.exists(path) else {}
        if not finished(state, max_iters):
            return 'pending'
        ap = curve(json.load(open(osp.join(folder, 'scores.json'))))
        cap = '' if state.get('plateaued') or 'from' in state else f' (the {max_iters} cap, not flat)'
        return f'{ap[max(ap)]:.3f}{cap}'
    rows = [[regime, run_name(model, recipe)] + [' / '.join(last_ap(run_dir(d, regime, model, recipe, s))
                                                            for s in seeds) for d in (plateau_dir, step_dir)]
            for regime, model, recipe in sorted(runs, key=lambda run: list(REGIMES).index(run[0]))]
    return markdown_table(['regime', 'run', f'AP on seeds {" / ".join(map(str, seeds))}: at the plateau',
                           'after the lr step'], rows)
