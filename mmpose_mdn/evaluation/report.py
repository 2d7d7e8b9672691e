"""The analysis written out: ``analysis.json``, ``report.md`` with the tables in the paper's layout, PNG bar
charts, and flat scalars for the runner's visualizer backends (TensorBoard, ...) so they plot over epochs."""
import json
import os
import os.path as osp
from typing import Dict

import numpy as np

from .subsets import SUBSET_TITLES

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
        if 'face_agreement' in comps:
            out[f'{prefix}/face_agreement'] = comps['face_agreement']
    for stage, cal in analysis.get('calibration', {}).items():
        if stage in ('before', 'after'):
            out.update({f'{prefix}/calibration/{stage}/ece_{name}': ece for name, ece in calibration_eces(cal).items()})
            if 'sigma' in cal:
                out.update({f'{prefix}/calibration/{stage}/coverage_{r}sigma': c
                            for r, c in zip(cal['sigma']['radii'], cal['sigma']['coverage']['All'])})
    return out


def calibration_eces(cal: dict) -> Dict[str, float]:
    """The ECE of each reliability of one stage of the calibration (person score, expected OKS, pi)."""
    return {name: r['ece'] for name, r in calibration_reliabilities(cal).items()}


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
    if 'compared' in analysis:
        lines += compared_lines(analysis['compared'], analysis['keypoint_groups']['model'])
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
    subsets = list(abl['full'])  # the dataset's (no face subsets without a nose keypoint)
    lines += markdown_table(['', *(SUBSET_TITLES[s] for s in subsets)], [[row] + [_fmt(s[k]['AP']) for k in subsets]
                                                                          for row, s in abl.items()])
    comps = analysis.get('components')
    if comps:
        M = len(next(iter(comps['shares'].values()))['share'])
        gt = comps.get('gt_face')
        lines += ['## Component statistics (Table 3)', '', 'Share of the predictions made by each component at '
                  'a score threshold' + (f', beside the share of the people with >= 5 annotated keypoints whose face '
                                         f'is visible / occluded ({gt["people"]} people).' if gt else
                                         f' ({comps["note"]}).'), '']
        lines += markdown_table(['', *(f'C{k}' for k in range(M)), 'predictions'],
                                [[f'score >= {t}'] + [f'{100 * s:.1f} %' if v['n'] else '–' for s in v['share']] +
                                 [str(v['n'])]
                                 for t, v in comps['shares'].items()])
    if comps and gt:
        lines += markdown_table(['ground truth', 'visible face', 'occluded face'],
                                [['share', f'{100 * gt["visible_face"]:.1f} %', f'{100 * gt["occluded_face"]:.1f} %']])
        lines += ['Matched predictions (OKS >= 0.5) per face visibility and component; *agreement*: the share '
                  'on the diagonal of the best one-to-one assignment of components to visible / occluded face: '
                  f'**{_fmt(comps["face_agreement"])}**.', '']
        lines += markdown_table(['', *(f'C{k}' for k in range(M))],
                                [[name] + [str(n) for n in row]
                                 for name, row in zip(('visible face', 'occluded face'), comps['face_counts'])])
    if 'calibration' in analysis:
        lines += calibration_lines(analysis['calibration'])
    return '\n'.join(lines)


def compared_lines(compared: dict, model_ap: dict) -> list:
    """The section of :meth:`~.MDNAnalysis.compare`: per keypoint group, the median pixel error of this model and
    of the other on the people both match, and their ratio."""
    other = compared['other']
    rows = [[g, _fmt(e['model']), _fmt(e['other']),
             f'{e["model"] / e["other"]:.2f}' if e['other'] > 0 and np.isfinite(e['model']) else '–']
            for g, e in compared['groups'].items()]
    return [f'## Pixel errors against {other}', '',
            f'The {compared["people"]} annotated people both this model (AP {_fmt(model_ap["All"])}) and {other} (AP '
            f'{_fmt(compared["other_ap"])}) match at OKS >= 0.5: per keypoint group, the median distance in image '
            'pixels between a matched prediction\'s keypoint and the annotated one.', ''] + \
        markdown_table(['group', 'this model, px', f'{other}, px', 'ratio'], rows)


def calibration_lines(cal: dict) -> list:
    """The calibration section: ECEs and coverage before / after the temperatures, per keypoint group."""
    stages = [s for s in ('before', 'after') if s in cal]
    lines = ['## Calibration', '', f'{cal["before"]["matched"]} predictions matched to an annotated person (OKS >= '
             '0.5). *Person score*: against the best OKS to the image\'s people, every prediction; *expected OKS*: '
             '[(1 + sx²/4A)(1 + sy²/4A)]^-1/2 from the chosen component\'s sigma, against the realised OKS; '
             '*π*: the chosen component\'s π against it being the component nearest the ground truth; ECE over 15 '
             'bins. *Coverage*: the share of the labelled keypoints whose error lies inside the 1, 2, 3 sigma·v_k '
             'ellipse (a 2-D Gaussian: 39.3 / 86.5 / 98.9 %); *rms*: of the normalised error per axis (1 when '
             'calibrated).',
             '']
    rows = []
    for stage in stages:
        c = cal[stage]
        t = c['temperatures']
        row = [f'{stage} (T_sigma {t["sigma_temperature"]:.3g}, T_pi {t["pi_temperature"]:.3g}'
               + (', one T per keypoint' if 'keypoint_temperatures' in t else '') + ')']
        eces = calibration_eces(c)
        row += [_fmt(eces.get(n)) for n in ('person_score', 'expected_oks', 'pi')]
        cover = c['sigma']['coverage']['All'] if 'sigma' in c else [None] * 3
        row += ['–' if x is None else f'{100 * x:.1f} %' for x in cover]
        rows.append(row)
    lines += markdown_table(['', 'ECE person score', 'ECE expected OKS', 'ECE π', 'coverage 1σ', '2σ', '3σ'], rows)
    for stage in stages:
        if 'sigma' not in cal[stage]:
            continue
        sig = cal[stage]['sigma']
        lines += [f'Per keypoint group, {stage}:', '']
        lines += markdown_table(['group', 'coverage 1σ', '2σ', '3σ', 'rms x', 'rms y'],
                                [[g] + ['–' if x is None or x != x else f'{100 * x:.1f} %' for x in cov]
                                 + [_fmt(x) for x in sig['rms'][g]] for g, cov in sig['coverage'].items()])
    if 'fitted' in cal:
        lines += ['Temperatures a fit on this file gives (apply them to another split: `tools/analysis/'
                  'mdn_analysis.py --fit-out`, then `--temperatures`): ' + ', '.join(
                      f'{k} {v:.3g}' for k, v in cal['fitted'].items()), '']
    if 'keypoint_temperatures' in cal:
        lines += ['One temperature per keypoint a fit on this file gives, in the dataset\'s keypoint order (where '
                  'these differ, one shared temperature cannot calibrate every keypoint; `--fit-out --fit-keypoints` '
                  'writes them): '
                  + ', '.join(f'{v:.2f}' for v in cal['keypoint_temperatures']), '']
    return lines


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
    if 'components' in analysis and 'face_counts' in comps:
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
    if calibration_reliabilities(analysis.get('calibration', {}).get('before', {})):
        paths.append(reliability_chart(plt, analysis['calibration'], out_dir))
    return paths


def reliability_chart(plt, cal: dict, out_dir: str) -> str:
    """``calibration.png``: reliability diagrams (mean outcome against mean confidence per bin) of the person score,
    the expected OKS and pi, before and after the temperatures."""
    panels = [(k, title) for k, title in (('person_score', 'person score vs best OKS'),
                                          ('expected_oks', 'expected vs realised OKS'),
                                          ('pi', 'π vs chosen = nearest'))
              if any(k in calibration_reliabilities(cal[s]) for s in ('before', 'after') if s in cal)]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 4), squeeze=False)
    for ax, (key, title) in zip(axes[0], panels):
        ax.plot([0, 1], [0, 1], color='0.6', linestyle='--', linewidth=1)
        for stage in ('before', 'after'):
            r = calibration_reliabilities(cal.get(stage, {})).get(key)
            if r is not None:
                pts = [(c, o) for c, o in zip(r['confidence'], r['outcome']) if c is not None]
                ax.plot(*zip(*pts), marker='o', label=f'{stage}: ECE {r["ece"]:.3f}')
        ax.set(title=title, xlabel='confidence (bin mean)', ylabel='outcome (bin mean)', xlim=(0, 1), ylim=(0, 1))
        ax.legend(fontsize=8)
    return _save(plt, fig, out_dir, 'calibration.png')


def calibration_reliabilities(cal: dict) -> dict:
    """The reliability diagrams of one stage of the calibration by name."""
    out = {'person_score': cal['person_score']} if 'person_score' in cal else {}
    if 'sigma' in cal:
        out['expected_oks'] = cal['sigma']['expected_oks']
    if 'pi' in cal:
        out['pi'] = cal['pi']
    return out


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
