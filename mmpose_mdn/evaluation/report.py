"""The analysis written out: ``analysis.json``, ``report.md`` with the tables in the paper's layout, PNG bar
charts, and flat scalars for the runner's visualizer backends (TensorBoard, ...) so they plot over epochs."""
import json
import os
import os.path as osp
from typing import Dict

import numpy as np

from .subsets import SUBSET_TITLES, SUBSETS

STAT_COLUMNS = ('AP', 'AP50', 'AP75', 'APm', 'APl', 'AR')


def analysis_scalars(analysis: dict, prefix: str = 'analysis') -> Dict[str, float]:
    """Flat scalars: ``<prefix>/group/<group>``, ``<prefix>/<row>/<subset>`` (AP; rows as in the report, spaces and
    slashes replaced), ``<prefix>/share@<t>/C<k>`` and ``<prefix>/face_agreement``; the displaced ground truth,
    which does not change with the model, is left out."""
    out = {f'{prefix}/group/{g}': ap for g, ap in analysis['keypoint_groups'].get('model', {}).items()}
    for row, subsets in analysis.get('ablations', {}).items():
        name = row.replace('/', '').replace(' ', '_')
        out.update({f'{prefix}/{name}/{s}': stats['AP'] for s, stats in subsets.items()})
    comps = analysis.get('components')
    if comps:
        for t, v in comps['shares'].items():
            out.update({f'{prefix}/share@{t}/C{k}': s for k, s in enumerate(v['share'])})
        out[f'{prefix}/face_agreement'] = comps['face_agreement']
    return out


def _fmt(x) -> str:
    return '–' if x is None or (isinstance(x, float) and np.isnan(x)) else f'{x:.3f}'


def markdown_table(header, rows) -> list:
    """Markdown lines of a table: the header's cells, then one row of cells (strings) per row, a blank line after."""
    return ['| ' + ' | '.join(header) + ' |', '|' + ' --- |' * len(header)] + \
        ['| ' + ' | '.join(r) + ' |' for r in rows] + ['']


def markdown_report(analysis: dict, title: str = 'MDN analysis') -> str:
    """The report: Table 4 (keypoint groups: displaced ground truth, then the model), Table 1 (component
    ablations, all people), Table 2 (AP per subset), Table 3 (component statistics)."""
    lines = [f'# {title}', '', f'`{analysis["ann_file"]}`: {analysis["images"]} images, {analysis["people"]} '
             'annotated people' + (f', {analysis["predictions"]} predictions' if 'predictions' in analysis else ''),
             '']
    if 'note' in analysis:
        lines += [f'Note: {analysis["note"]}.', '']
    kg = analysis['keypoint_groups']
    groups = list(next(iter(kg['gt_displaced'].values())))
    rows = [[f'GT displaced {d}'] + [_fmt(v[g]) for g in groups] for d, v in kg['gt_displaced'].items()]
    if 'model' in kg:
        rows.append(['model'] + [_fmt(kg['model'][g]) for g in groups])
    lines += ['## Keypoint groups (Table 4)', '', 'AP with the OKS over each group\'s keypoints (its own sigmas, the '
              'annotation\'s area); *GT displaced d px*: every annotated keypoint moved by d pixels in a random '
              'direction and scored as a prediction (mean over seeds): the AP a group loses to an error of that '
              'size on this data.', ''] + markdown_table(['', *groups], rows)
    if 'ablations' not in analysis:
        return '\n'.join(lines)
    abl = analysis['ablations']
    lines += ['## Component ablations (Table 1)', '', '*w/o Ck*: the predictions made by component k removed; '
              '*keep Ck*: only those kept; *all with Ck*: every person decoded with component k; *exclude Ck*: '
              'every person re-decided among the other components (π renormalised). All people.', '']
    lines += markdown_table(['', *STAT_COLUMNS], [[row] + [_fmt(s['all'][c]) for c in STAT_COLUMNS]
                                                  for row, s in abl.items()])
    lines += ['## Subsets (Table 2)', '', 'AP on subsets of the annotated people; people outside a subset are '
              'ignored (a prediction matched to them is neither a match nor a false positive). *Visible / occluded '
              'keypoints*: the other keypoints ignored; *visible / occluded face*: people with >= 5 annotated '
              'keypoints whose nose is visible / occluded or not annotated.', '']
    lines += markdown_table(['', *(SUBSET_TITLES[s] for s in SUBSETS)], [[row] + [_fmt(s[k]['AP']) for k in SUBSETS]
                                                                          for row, s in abl.items()])
    comps = analysis.get('components')
    if comps:
        M = len(comps['face_counts'][0])
        gt = comps['gt_face']
        lines += ['## Component statistics (Table 3)', '', 'Share of the predictions made by each component at '
                  'a score threshold, beside the share of the people with >= 5 annotated keypoints whose face is '
                  f'visible / occluded ({gt["people"]} people).', '']
        lines += markdown_table(['', *(f'C{k}' for k in range(M)), 'predictions'],
                                [[f'score >= {t}'] + [f'{100 * s:.1f} %' if v['n'] else '–' for s in v['share']] +
                                 [str(v['n'])]
                                 for t, v in comps['shares'].items()])
        lines += markdown_table(['ground truth', 'visible face', 'occluded face'],
                                [['share', f'{100 * gt["visible_face"]:.1f} %', f'{100 * gt["occluded_face"]:.1f} %']])
        lines += ['Matched predictions (OKS >= 0.5) per face visibility and component; *agreement*: the share '
                  'on the diagonal of the best one-to-one assignment of components to visible / occluded face: '
                  f'**{_fmt(comps["face_agreement"])}**.', '']
        lines += markdown_table(['', *(f'C{k}' for k in range(M))],
                                [[name] + [str(n) for n in row]
                                 for name, row in zip(('visible face', 'occluded face'), comps['face_counts'])])
    return '\n'.join(lines)


def bar_charts(analysis: dict, out_dir: str) -> list:
    """PNGs: ``groups.png`` (AP per keypoint group, model beside the displaced ground truth), and for MDN models
    ``ablations.png`` (AP per ablation row) and ``components.png`` (component shares of the predictions above the
    score thresholds and of the matched visible-face / occluded-face people, beside the ground truth's shares)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    paths = []
    kg = analysis['keypoint_groups']
    series = {f'GT {d}': v for d, v in kg['gt_displaced'].items()}
    if 'model' in kg:
        series['model'] = kg['model']
    groups = list(next(iter(series.values())))
    fig, ax = plt.subplots(figsize=(11, 3.5))
    width = 0.8 / len(series)
    for i, (name, v) in enumerate(series.items()):
        ax.bar(np.arange(len(groups)) + i * width, [v[g] for g in groups], width, label=name)
    ax.set_xticks(np.arange(len(groups)) + 0.4 - width / 2, groups, rotation=30)
    ax.set_ylabel('AP')
    ax.set_title('AP per keypoint group')
    ax.legend(fontsize=8)
    paths.append(_save(plt, fig, out_dir, 'groups.png'))
    if 'components' in analysis:
        abl = analysis['ablations']
        fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(abl)), 3.5))
        ax.bar(list(abl), [s['all']['AP'] for s in abl.values()], color='tab:blue')
        ax.set_ylabel('AP')
        ax.set_title('AP per component ablation (all people)')
        ax.tick_params(axis='x', rotation=45)
        paths.append(_save(plt, fig, out_dir, 'ablations.png'))
        comps = analysis['components']
        fig, ax = plt.subplots(figsize=(8, 3.5))
        bars = {f'score >= {t}': v['share'] for t, v in comps['shares'].items()}
        for name, row in zip(('matched,\nvisible face', 'matched,\noccluded face'), comps['face_counts']):
            bars[name] = np.asarray(row) / max(sum(row), 1)
        M = len(comps['face_counts'][0])
        bottom = np.zeros(len(bars) + 1)
        for k in range(M):
            h = np.array([b[k] for b in bars.values()] + [0])
            ax.bar(np.arange(len(h)), h, bottom=bottom, label=f'C{k}')
            bottom += h
        gt = comps['gt_face']
        ax.bar([len(bars)], [gt['visible_face']], color='0.7', label='visible face')
        ax.bar([len(bars)], [gt['occluded_face']], bottom=[gt['visible_face']], color='0.3', label='occluded face')
        ax.set_xticks(np.arange(len(bars) + 1), [*bars, 'ground truth'], fontsize=8)
        ax.set_ylabel('share')
        ax.set_title(f'component share vs face visibility (agreement {_fmt(comps["face_agreement"])})')
        ax.legend(fontsize=8, loc='upper left', bbox_to_anchor=(1, 1))
        paths.append(_save(plt, fig, out_dir, 'components.png'))
    return paths


def _save(plt, fig, out_dir: str, name: str) -> str:
    path = osp.join(out_dir, name)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_report(analysis: dict, out_dir: str, title: str = 'MDN analysis') -> dict:
    """``analysis.json``, ``report.md`` and the charts in ``out_dir``; returns their paths by name."""
    os.makedirs(out_dir, exist_ok=True)
    paths = dict(json=osp.join(out_dir, 'analysis.json'), report=osp.join(out_dir, 'report.md'))
    with open(paths['json'], 'w') as f:
        json.dump(analysis, f, indent=1)
    with open(paths['report'], 'w') as f:
        f.write(markdown_report(analysis, title))
    paths['charts'] = bar_charts(analysis, out_dir)
    return paths
