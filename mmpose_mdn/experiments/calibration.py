"""Is the MDN's uncertainty calibrated on the main job's trained models? (``benchmarks/calibration.py`` is its
command line.)

For each run of a viewpoint benchmark work dir (``<work_dir>/seed<S>/<MODEL>/``: its dumped config, last checkpoint
and ``predictions.pkl`` on the val scenes), the run's checkpoint is tested on a calibration split it never saw (200
val scenes of another scene seed, S + 1000, same regime) and the temperatures and ``oks_area_ratio`` are fitted
there (:meth:`~mmpose_mdn.evaluation.MDNAnalysis.calibrate`); on the reported val scenes the calibration is
measured before and after them, and the checkpoint is tested again with the head's ``person_score='expected_oks'``
and those parameters, whose AP stands beside the plain score's. Everything is cached per run (``calibration.json``).
"""
import copy
import json
import os
import os.path as osp
from typing import Sequence

CALIBRATION_SEED_OFFSET = 1000


def run_config(run: str):
    """The run's dumped config (the benchmark's, with its data and evaluators)."""
    from mmengine.config import Config
    configs = sorted(f for f in os.listdir(run) if f.endswith('.py'))
    if not configs:
        raise FileNotFoundError(f'{run} holds no dumped config (*.py): is it a viewpoint benchmark run?')
    return Config.fromfile(osp.join(run, configs[0]))


def test_run(cfg, checkpoint: str, work: str, name: str, data_root: str = None, seed: int = None,
             test_cfg: dict = None, refine: bool = True) -> tuple:
    """CocoMetric's metrics and the dumped predictions of ``checkpoint`` on the config's test scenes (or those of
    ``data_root`` / ``seed``), with ``test_cfg`` merged into the model's, heatmap refinement on or off."""
    import mmengine

    from mmpose_mdn.utils.config import visualizer_per_run

    from .scoring import score_checkpoint
    cfg = copy.deepcopy(cfg)
    dataset = cfg.test_dataloader.dataset
    if data_root is not None:
        dataset.data_root, dataset.seed = data_root, seed
    ann_file = osp.join(dataset.data_root, 'annotations', 'viewpoint_val.json')
    dump = osp.join(work, f'{name}.pkl')
    cfg.test_evaluator = [dict(cfg.test_evaluator[0], ann_file=ann_file),
                          dict(type='DumpResults', out_file_path=dump)]
    cfg.model.test_cfg = {**cfg.model.test_cfg, **(test_cfg or {})}
    cfg.work_dir = work
    metrics = score_checkpoint(visualizer_per_run(cfg), checkpoint, refine, name)
    return metrics, mmengine.load(dump), ann_file


def calibrate_run(run: str, seed: int, refine: bool = True) -> dict:
    """The calibration of one run (cached in ``<run>/calibration.json``, ``calibration_refine-off.json``):
    ``fitted`` on the calibration split (and ``keypoint_temperatures``, one per keypoint), ``val`` (before / after
    on the reported scenes, and ``per_keypoint``: after with the per-keypoint temperatures in place of the sigma
    temperature), ``ap`` plain and with ``person_score='expected_oks'`` (and ``expected_oks_per_keypoint``, with
    the per-keypoint temperatures); heatmap refinement on (the configs') or off (the offsets' own keypoints, which
    sigma describes)."""
    from mmpose_mdn.evaluation import MDNAnalysis, Predictions
    suffix = '' if refine else '_refine-off'
    cache = osp.join(run, f'calibration{suffix}.json')
    cached = json.load(open(cache)) if osp.exists(cache) else {}
    if 'keypoint_temperatures' in cached and (cached['keypoint_temperatures'] is None
                                              or 'expected_oks_per_keypoint' in cached['ap']):
        return cached  # else: none, or of an older version
    cfg = run_config(run)
    checkpoint = open(osp.join(run, 'last_checkpoint')).read().strip()
    work = osp.join(run, f'calibration{suffix}')
    metric = cfg.test_evaluator[0]

    def analysis(ann_file, temperatures=None):
        return MDNAnalysis(ann_file, score_mode=metric.get('score_mode', 'bbox'),
                           use_area=metric.get('use_area', True), temperatures=temperatures, progress=False)
    split_root = osp.join(osp.dirname(osp.dirname(run)), 'calibration_data', f'seed{seed}') + '/'
    _, samples, ann_file = test_run(cfg, checkpoint, work, 'calibration_split', split_root,
                                    seed + CALIBRATION_SEED_OFFSET, refine=refine)
    # nothing to fit where no person is matched (an untrained model): the parameters stay at their defaults
    fit = analysis(ann_file).calibrate(Predictions.from_samples(samples, ann_file))
    fitted, per_keypoint = fit.get('fitted', {}), fit.get('keypoint_temperatures')
    plain, samples, val_ann = test_run(cfg, checkpoint, work, 'val_plain', refine=refine)
    val_preds = Predictions.from_samples(samples, val_ann)
    val = analysis(val_ann, fitted).calibrate(val_preds)
    scored, _, _ = test_run(cfg, checkpoint, work, 'val_expected_oks', refine=refine,
                            test_cfg=dict(person_score='expected_oks', **fitted))
    out = dict(fitted=fitted, keypoint_temperatures=per_keypoint, val=val,
               ap=dict(plain=plain['coco/AP'], expected_oks=scored['coco/AP']))
    if per_keypoint is not None:  # sigma with one temperature per keypoint instead of the shared one
        by_keypoint = {**fitted, 'sigma_temperature': 1.0, 'keypoint_temperatures': per_keypoint}
        val['per_keypoint'] = analysis(val_ann, by_keypoint).calibrate(val_preds)['after']
        out['ap']['expected_oks_per_keypoint'] = test_run(
            cfg, checkpoint, work, 'val_expected_oks_per_keypoint', refine=refine,
            test_cfg=dict(person_score='expected_oks', **by_keypoint))[0]['coco/AP']
    with open(cache, 'w') as f:
        json.dump(out, f, indent=1)
    return out


def calibrate_runs(work_dir: str, seeds: Sequence[int], models: Sequence[str], refine: bool = True) -> dict:
    """seed -> model -> :func:`calibrate_run`."""
    return {seed: {model: calibrate_run(osp.join(work_dir, f'seed{seed}', model), seed, refine) for model in models}
            for seed in seeds}


def calibrate_folders(runs: Sequence[str], refine: bool = True) -> dict:
    """seed -> model -> :func:`calibrate_run` of run folders laid out ``.../<model>/seed<S>`` (the plateau runs')."""
    import re
    out = {}
    for run in runs:
        match = re.fullmatch(r'seed(\d+)', osp.basename(osp.normpath(run)))
        if match is None:
            raise ValueError(f'{run}: not a run folder .../<model>/seed<S>')
        out.setdefault(int(match.group(1)), {})[osp.basename(osp.dirname(osp.normpath(run)))] = calibrate_run(
            run, int(match.group(1)), refine)
    return out


TARGETS = dict(coverage_points=5.0, ece=0.05)  # issue 21: after the temperatures, per seed


def arrow(values) -> str:
    """Values before -> after, or a dash where there are none."""
    return ' → '.join(values) if values else '–'


def report(results: dict, command: str = '', refine: bool = True) -> str:
    """Markdown: per seed and model the fitted parameters, the calibration before -> after on the val scenes
    (coverage at 1 and 2 sigma, ECE of the expected OKS, of pi and of the person score) and the AP with the plain
    and the expected-OKS person score; then the targets' verdicts over the seeds."""
    from mmpose_mdn.evaluation.calibration import gaussian_coverage
    from mmpose_mdn.evaluation.report import calibration_eces, markdown_table
    gauss = 100 * gaussian_coverage([1, 2])
    lines = ['# Calibration of the main job\'s MDN models', '', f'Command: `{command}`', '',
             'Heatmap refinement ' + ("on (the configs')" if refine else "off (the offsets' own keypoints)") + '.', '',
             'Fitted on 200 val scenes of another scene seed (S + 1000, same regime); measured on the run\'s own 200 '
             f'val scenes. A 2-D Gaussian covers {gauss[0]:.1f} / {gauss[1]:.1f} % at 1 / 2 sigma.', '',
             'Cells with an arrow: before → after the fitted parameters.', '']
    rows, verdicts = [], {}
    for seed, models in results.items():
        for model, r in models.items():
            f, val = r['fitted'], r['val']
            stages = [val[s] for s in ('before', 'after') if s in val]
            eces = [calibration_eces(c) for c in stages]
            cov = [[100 * x for x in c['sigma']['coverage']['All'][:2]] if 'sigma' in c else None for c in stages]
            cells = [f'{f[k]:.2f}' if k in f else '–'
                     for k in ('sigma_temperature', 'pi_temperature', 'oks_area_ratio')]
            cells += [arrow([f'{c[i]:.1f} %' for c in cov if c]) for i in (0, 1)]
            cells += [arrow([f'{e[k]:.3f}' for e in eces if k in e]) for k in ('expected_oks', 'pi', 'person_score')]
            rows.append([str(seed), model, *cells, f'{r["ap"]["plain"]:.3f}', f'{r["ap"]["expected_oks"]:.3f}'])
            v = verdicts.setdefault(model, dict(coverage=[], ece_oks=[], ece_pi=[], ap=[]))
            after, after_eces = (cov[-1], eces[-1]) if 'after' in val else (None, {})
            v['coverage'].append(after is not None and max(abs(c - g) for c, g in zip(after, gauss))
                                 <= TARGETS['coverage_points'])
            v['ece_oks'].append(after_eces.get('expected_oks', 1.0) <= TARGETS['ece'])
            if 'pi' in after_eces:
                v['ece_pi'].append(after_eces['pi'] <= TARGETS['ece'])
            v['ap'].append(r['ap']['expected_oks'] >= r['ap']['plain'])
    lines += markdown_table(['seed', 'model', 'T_sigma', 'T_pi', 'area ratio', 'coverage 1σ', 'coverage 2σ',
                             'ECE expected OKS', 'ECE π', 'ECE person score', 'AP plain', 'AP expected OKS'], rows)
    per_keypoint = [(seed, model, r) for seed, models in results.items() for model, r in models.items()
                    if 'per_keypoint' in r['val']]
    if per_keypoint:
        lines += ['One temperature per keypoint instead of the shared one (`test_cfg.keypoint_temperatures`, fitted '
                  'on the same calibration split, measured on the val scenes):', '']
        rows = []
        for seed, model, r in per_keypoint:
            t, c = r['keypoint_temperatures'], r['val']['per_keypoint']
            cov = [100 * x for x in c['sigma']['coverage']['All']]
            rows.append([str(seed), model, f'{min(t):.2f}-{max(t):.2f}', *(f'{x:.1f} %' for x in cov),
                         f'{calibration_eces(c)["expected_oks"]:.3f}',
                         f'{r["ap"]["plain"]:.3f} → {r["ap"]["expected_oks_per_keypoint"]:.3f}'])
            verdicts[model].setdefault('coverage, per-keypoint T', []).append(
                max(abs(x - g) for x, g in zip(cov, gauss)) <= TARGETS['coverage_points'])
            verdicts[model].setdefault('ECE expected OKS, per-keypoint T', []).append(
                calibration_eces(c)['expected_oks'] <= TARGETS['ece'])
        lines += markdown_table(['seed', 'model', 'T_k (min-max)', 'coverage 1σ', '2σ', '3σ', 'ECE expected OKS',
                                 'AP plain → expected OKS'], rows)
    lines += ['Targets (after the fitted parameters, on every seed): coverage within ±5 points of the Gaussian\'s '
              'at 1 and 2 sigma; ECE ≤ 0.05 for the expected OKS and for π; the expected-OKS person score\'s AP at '
              'least the plain score\'s.', '']
    for model, v in verdicts.items():
        lines.append(f'- {model}: ' + '; '.join(
            f'{name} met on {sum(ok)} of {len(ok)} seeds{"" if all(ok) else " (target not met)"}'
            for name, ok in (('coverage', v['coverage']), ('ECE expected OKS', v['ece_oks']), ('ECE π', v['ece_pi']),
                             ('person-score AP', v['ap']), *((k, v[k]) for k in v if 'per-keypoint' in k)) if ok))
    return '\n'.join(lines) + '\n'
