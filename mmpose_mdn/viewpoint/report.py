"""The Markdown reports of the viewpoint benchmark and of the viewpoint study, assembled from their results.

Benchmark ``results``: seed -> model name (L1, MDN1, ...) -> ``dict(metrics, components, train_s)``, ``metrics``
those of ``CocoMetric`` and ``ViewpointComponentMetric``, ``components`` :func:`summarise_components`' summary
(MDN2/MDN3) or None. A study row: a run spec (model, variant, hidden cue, schedule factor) and the results of its
seeds, each also with ``seed``, ``epochs`` and ``probe`` (:func:`viewpoint_probe`).
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..evaluation.report import markdown_table
from . import plots
from .aggregate import component_shares, mean_std
from .body import VIEWPOINTS
from .components import front_pi
from .verdict import TARGET_AGREEMENT, TARGET_RATIO, claim

COCO_KEYS = ('AP', 'AP .5', 'AP .75', 'AR')
STUDY_COLUMNS = (('AP', 'coco/AP'), ('AR', 'coco/AR'), ('left/right order', 'viewpoint/lr_order'),
                 ('order, cue visible', 'viewpoint/lr_order_visible'),
                 ('order, cue hidden', 'viewpoint/lr_order_hidden'), ('agreement', 'viewpoint/agreement'),
                 ('agreement, cue visible', 'viewpoint/agreement_visible'))
DEFINITIONS = (
    '*left/right order*: over matched front and back people, the share of shoulder and hip pairs predicted in the '
    'annotated left/right order. *viewpoint agreement*: the share of matched front and back people whose chosen '
    'component (largest π) is the one assigned to their viewpoint under the best one-to-one assignment of '
    'components to front/back. People are matched to predictions by box IoU ≥ 0.5.')
CENTRES = (
    'What the components do at the ground-truth centres of the validation front/back people '
    '(`mmpose_mdn/viewpoint/components.py`; output pixels; *oracle*: the component nearest to the annotation; '
    '*mirror*: mean distance between a person\'s keypoints and their left/right mirror; *= viewpoint*: how often '
    'that component is the one of the person\'s viewpoint):')


def verdict_sentence(results: dict) -> str:
    """The report's first line: :func:`claim` in words."""
    c = claim(results)
    if c is None:
        return 'No verdict: the claim is judged on L1 and MDN2, and this run did not train both.'
    return (f'**The paper\'s claim is {"" if c["reproduced"] else "not "}reproduced** on {c["seeds"]} seed(s): MDN2 '
            f'AP {c["ap_mdn"]:.3f} vs L1 {c["ap_l1"]:.3f} ({c["ap_mdn"] / max(c["ap_l1"], 1e-9):.2f}×, target '
            f'≥ {TARGET_RATIO:g}×), its components agree with the viewpoint on {c["agreement"]:.2f} of the '
            f'front/back people whose cue is visible (target ≥ {TARGET_AGREEMENT:.2f}).')


def benchmark_shares(results: dict) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Per MDN model: :func:`component_shares` over the seeds, M read from the metrics' ``<view>_c<m>`` keys."""
    shares = {}
    for name in next(iter(results.values())):
        metrics = [r[name]['metrics'] for r in results.values()]
        M = sum(key.startswith('viewpoint/front_c') for key in metrics[0])
        if M:
            shares[name] = component_shares(metrics, M)
    return shares


def benchmark_report(results: dict, command: str, wall_s: float, cpus: int) -> str:
    """report.md: the verdict, AP/AR and the viewpoint metrics per model (mean ± std over seeds), AP per seed,
    the scores by viewpoint cue, the share of people per component and viewpoint, the components at the centres,
    and the figures ap.png, components.png (with MDN models) and examples.png."""
    seeds, names = list(results), list(next(iter(results.values())))
    get = lambda name, key: [results[s][name]['metrics'].get(key, np.nan) for s in seeds]  # noqa: E731
    mdn = [n for n in names if n != 'L1']
    lines = ['# Viewpoint benchmark: L1 vs MDN offsets on synthetic front/back/side people', '',
             verdict_sentence(results), '',
             f'`{command}`: {len(seeds)} seed(s) ({", ".join(map(str, seeds))}), {wall_s / 60:.1f} min wall time '
             f'on {cpus} CPU core(s). Mean ± std over seeds (sample std); each seed generates its own data and '
             'trains every model.', '']
    lines += markdown_table(['model', *COCO_KEYS, 'left/right order', 'viewpoint agreement', 'train s'], [
        [n, *(mean_std(get(n, f'coco/{k}')) for k in COCO_KEYS), mean_std(get(n, 'viewpoint/lr_order')),
         mean_std(get(n, 'viewpoint/agreement')), f'{np.mean([results[s][n]["train_s"] for s in seeds]):.0f}']
        for n in names])
    lines += markdown_table(['seed', *(f'{n} AP' for n in names), *(f'{n} agreement' for n in mdn)], [
        [str(s), *(f'{results[s][n]["metrics"]["coco/AP"]:.3f}' for n in names),
         *(f'{results[s][n]["metrics"].get("viewpoint/agreement", np.nan):.3f}' for n in mdn)] for s in seeds])
    base = np.maximum(get(names[0], 'coco/AP'), 1e-9)
    lines += ['AP relative to L1 (per seed, then mean ± std): ' + ', '.join(
        f'{n} {mean_std(np.array(get(n, "coco/AP")) / base)}' for n in names[1:]) + '.', '', DEFINITIONS, '']
    if any('viewpoint/lr_order_hidden' in results[s][n]['metrics'] for s in seeds for n in names):
        keys = ('lr_order_visible', 'lr_order_hidden', 'agreement_visible')
        lines += ['By viewpoint cue (`--hidden-cue`: with the cue hidden a back view looks like the front view of the '
                  'mirrored pose; agreement over the people with the cue visible, their own assignment):', '']
        lines += markdown_table(['model', 'left/right order, cue visible', 'left/right order, cue hidden',
                                 'viewpoint agreement, cue visible'],
                                [[n, *(mean_std(get(n, f'viewpoint/{k}')) for k in keys)] for n in names])
    shares = benchmark_shares(results)
    for name, (share, people) in shares.items():
        lines += [f'**{name}**: share of matched people per component (components ordered per seed: the one '
                  'assigned to front first, then back), mean over seeds', '']
        lines += markdown_table(['viewpoint', *(f'c{m}' for m in range(share.shape[1])), 'people/seed'], [
            [view, *(f'{x:.2f}' for x in share[v]), f'{people[v]:.0f}'] for v, view in enumerate(VIEWPOINTS)])
    rows = [[str(s), n, *centre_cells(results[s][n]['components'])] for s in seeds for n in names
            if results[s][n].get('components')]
    lines += [CENTRES, ''] + markdown_table(['seed', 'model', 'median largest π', 'mean π, front', 'mean π, back',
                                             'means apart', 'chosen / oracle error', 'mirror',
                                             'oracle / chosen = viewpoint'], rows)
    lines += ['![AP](ap.png)', ''] + (['![components by viewpoint](components.png)', ''] if shares else []) + [
        'Validation images of the first seed, predictions with centre score ≥ 0.3; letters: the annotated viewpoint '
        '(F/B/S).', '', '![examples](examples.png)', '']
    return '\n'.join(lines)


def centre_cells(c: dict) -> List[str]:
    """A run's :func:`summarise_components` summary as the cells of the benchmark's centres table."""
    pis = ['(' + ', '.join(f'{p:.2f}' for p in c[f'mean_pi_{v}']) + ')' for v in ('front', 'back')]
    return [f'{c["median_largest_pi"]:.2f}', *pis, f'{c["component_spread_px"]:.1f}',
            f'{c["chosen_error_px"]:.2f} / {c["oracle_error_px"]:.2f}', f'{c["mirror_distance_px"]:.1f}',
            f'{c["oracle_agreement"]:.2f} / {c["chosen_agreement"]:.2f}']


def study_row(spec: Sequence, res: List[dict]) -> List[str]:
    """The cells of one study row: the spec, the :data:`STUDY_COLUMNS` (mean ± std over the seeds with a value),
    the front component's π (:func:`front_pi`), the chosen / oracle error, the oracle's agreement and the probe's
    val accuracy from the backbone."""
    comp = [r['components'] for r in res if r.get('components')]
    pis = ' / '.join(f'{np.mean([front_pi(c)[i] for c in comp]):.2f}' for i in (0, 1)) if comp else '–'
    err = (f'{np.mean([c["chosen_error_px"] for c in comp]):.2f} / '
           f'{np.mean([c["oracle_error_px"] for c in comp]):.2f}') if comp else '–'
    return [spec[0], spec[1], f'{spec[2]:g}', str(res[0]['epochs']), ','.join(str(r['seed']) for r in res),
            *(mean_std([r['metrics'].get(key) for r in res], skip_missing=True) for _, key in STUDY_COLUMNS),
            pis, err, mean_std([c['oracle_agreement'] for c in comp], skip_missing=True),
            mean_std([r['probe']['backbone_val_acc'] for r in res if 'probe' in r], skip_missing=True)]


def study_report(groups: Dict[str, List[Tuple[Sequence, List[dict]]]], seeds: Sequence[int], command: str,
                 figures: Optional[Dict[str, str]] = None) -> str:
    """study.md: per group (name -> [(spec, the results of its seeds)]) a table of the specs with results and its
    figure (``figures``: group -> file name) if any."""
    lines = ['# Viewpoint study', '', f'`{command}`; seeds {", ".join(map(str, seeds))}; mean ± sample std over '
             'seeds. Runs cached in `runs/`, their configs in `configs/`.', '']
    head = ['model', 'variant', 'hidden cue', 'epochs', 'seeds', *(c for c, _ in STUDY_COLUMNS),
            'π_f of front / back people', 'chosen / oracle px', 'oracle = viewpoint', 'probe']
    for group, rows in groups.items():
        lines += [f'## {group}', ''] + markdown_table(head, [study_row(spec, res) for spec, res in rows if res])
        if group in (figures or {}):
            lines += [f'![{group}]({figures[group]})', '']
    return '\n'.join(lines)


def write_benchmark_report(results: dict, work_dir: str, command: str, wall_s: float,
                           predictions: Dict[str, str]) -> str:
    """:func:`benchmark_report` into ``work_dir/report.md`` with its figures (the examples from the first seed's
    ``predictions``: model -> ``DumpResults`` pickle), and ``results.json``; returns the report's path."""
    seeds, names = list(results), list(predictions)
    plots.plot_ap({n: [results[s][n]['metrics']['coco/AP'] for s in seeds] for n in names},
                  osp.join(work_dir, 'ap.png'))
    shares = benchmark_shares(results)
    if shares:
        plots.plot_components({n: share for n, (share, _) in shares.items()}, osp.join(work_dir, 'components.png'))
    cv2.imwrite(osp.join(work_dir, 'examples.png'), np.concatenate([plots.example_row(pkl, f'{n}, seed {seeds[0]}: ' + (
        'keypoints coloured by component' if n != 'L1' else 'L1 (one mode)') + ', white dots: the person\'s left')
        for n, pkl in predictions.items()]))
    with open(osp.join(work_dir, 'report.md'), 'w') as f:
        f.write(benchmark_report(results, command, wall_s, os.cpu_count()))
    with open(osp.join(work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    return osp.join(work_dir, 'report.md')


def write_study_report(groups: Dict[str, List[Tuple[Sequence, List[dict]]]], seeds: Sequence[int], work_dir: str,
                       command: str, line_plots: Dict[str, Tuple[int, str]]) -> str:
    """:func:`study_report` into ``work_dir/study.md``, with ``<group>.png`` of :func:`plot_lines` for the groups
    of ``line_plots`` (group -> (the index in the spec of the quantity it varies, its axis label)), one line per
    model and variant; returns the report's path."""
    figures = {}
    for group in set(groups) & set(line_plots):
        x, xlabel = line_plots[group]
        series = {}
        for spec, res in groups[group]:
            series.setdefault(f'{spec[0]} {spec[1]}', []).append((spec[x], [r['metrics'] for r in res]))
        figures[group] = f'{group}.png'
        plots.plot_lines(series, xlabel, osp.join(work_dir, figures[group]))
    with open(osp.join(work_dir, 'study.md'), 'w') as f:
        f.write(study_report(groups, seeds, command, figures))
    return osp.join(work_dir, 'study.md')
