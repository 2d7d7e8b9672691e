"""The paper's analyses of a pose model on COCO-format data (keypoint-group AP, GT displacement, component ablations
on the people subsets, component statistics), written as analysis.json, report.md and PNG charts::

    python tools/analysis/mdn_analysis.py CONFIG CHECKPOINT [--out-dir DIR]   # runs the test set once
    python tools/analysis/mdn_analysis.py CONFIG --dump preds.pkl [--out-dir DIR]   # a tools/test.py --dump file
    python tools/analysis/mdn_analysis.py --ann-file ANN.json [--out-dir DIR]  # GT displacement only, no model

Calibration (MDN): ``--fit-out T.json`` writes the sigma / pi temperatures fitted on this run's matched people (run
it on a split that is not the one you report) and ``T.py``, a config fragment setting them in ``model.test_cfg``
(with ``--fit-keypoints``: one sigma temperature per keypoint, ``keypoint_temperatures``, instead of the shared one);
``--temperatures T.json`` reports the calibration before and after them (fit on one split, report on another).

``--compare OTHER.pkl`` (another model's ``tools/test.py --dump`` on the same test set) adds each keypoint group's
median pixel error of both models on the people both match (``report.md``, "Pixel errors against ...").

The annotation file and the scoring are the config's test CocoMetric's (``--ann-file`` overrides); with a
checkpoint the test runs with ``MDNAnalysisHook``, exactly as ``tools/test.py --cfg-options
default_hooks.analysis.enable=True`` does, its logs in DIR (a run's config in DIR is left as it is) and its report in
``DIR/test/``.
"""
import argparse
import json
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import DATASETS

from mmpose_mdn.evaluation import MDNAnalysis, Predictions, write_report
from mmpose_mdn.utils.config import keep_run_config, merge_cfg_options, test_evaluators, visualizer_per_run


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', nargs='?', help='the model config (its test dataset and CocoMetric)')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint to test (or give --dump)')
    parser.add_argument('--dump', help='predictions of tools/test.py --dump FILE.pkl instead of a checkpoint')
    parser.add_argument('--ann-file', help='COCO keypoint annotations (default: the config\'s test CocoMetric\'s)')
    parser.add_argument('--out-dir', help='report folder (default: work_dirs/mdn_analysis/<config or file name>)')
    parser.add_argument('--displacements', type=float, nargs='+', default=[1, 2, 3], help='GT displacements, px')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2], help='seeds of the GT displacement')
    parser.add_argument('--compare', help='another model\'s tools/test.py --dump on the same test set: both models\' '
                        'pixel errors per keypoint group on the people both match')
    parser.add_argument('--temperatures', help='JSON of --fit-out: report the calibration before and after them')
    parser.add_argument('--fit-out', help='write the temperatures fitted here (JSON, and a .py config fragment)')
    parser.add_argument('--fit-keypoints', action='store_true',
                        help='with --fit-out: one sigma temperature per keypoint instead of the shared one')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings, key=value')
    args = parser.parse_args(argv)
    if args.config is None and args.ann_file is None:
        parser.error('give CONFIG with CHECKPOINT or --dump, or --ann-file alone for the GT displacement')
    if args.config is not None and (args.checkpoint is None) == (args.dump is None):
        parser.error('give either a CHECKPOINT or --dump FILE with the config')
    if args.fit_keypoints and not args.fit_out:
        parser.error('--fit-keypoints goes with --fit-out')
    return args


def coco_metric(cfg) -> dict:
    """The config's test CocoMetric settings (an empty dict without one)."""
    coco = ('CocoMetric', 'mmpose.CocoMetric')
    return next((dict(e) for e in test_evaluators(cfg) if e.get('type', 'CocoMetric') in coco), {})


def dataset_meta(cfg) -> dict:
    """The test dataset's meta (its config's ``metainfo``, else its class's)."""
    dataset = cfg.test_dataloader.dataset
    return parse_pose_metainfo(dataset.get('metainfo') or DATASETS.get(dataset.type).METAINFO)


def check_dump_fits_model(preds: Predictions, cfg, dump: str) -> None:
    """A dump from another model (MDN vs L1, another number of components) fails naming the file."""
    M = cfg.model.head.get('num_components')
    if (M is None) == preds.is_mdn or (M is not None and preds.num_components != M):
        got = f'{preds.num_components} components' if preds.is_mdn else 'no MDN components (an L1 model)'
        want = f'{M} components' if M is not None else 'no MDN components (an L1 model)'
        raise ValueError(f'{dump} holds predictions with {got}, but the config describes a model with {want}: '
                         'was it dumped by another model?')


def load_temperatures(path: str) -> dict:
    """The temperatures of a ``--fit-out`` file (None: none given); a file without them fails naming it."""
    if path is None:
        return None
    if not osp.isfile(path):
        raise FileNotFoundError(f'--temperatures {path} does not exist (write it with --fit-out on another split)')
    temperatures = json.load(open(path))

    def positive(v) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0
    if not isinstance(temperatures, dict) or not {'sigma_temperature', 'keypoint_temperatures'} & set(temperatures) \
            or not all(positive(v) for k, v in temperatures.items() if k != 'keypoint_temperatures') \
            or not (isinstance(temperatures.get('keypoint_temperatures', []), list)
                    and all(map(positive, temperatures.get('keypoint_temperatures', [])))):
        raise ValueError(f'{path} must hold sigma_temperature or keypoint_temperatures (and pi_temperature), numbers '
                         f'> 0, as --fit-out writes them; got {temperatures!r}')
    return temperatures


def write_temperatures(analysis_json: str, fit_out: str, per_keypoint: bool = False) -> None:
    """``fit_out`` (JSON) and its ``.py`` twin (``model.test_cfg``) from the temperatures the analysis fitted (with
    ``per_keypoint``, ``keypoint_temperatures`` in place of ``sigma_temperature``)."""
    if fit_out is None:
        return
    analysis = json.load(open(analysis_json))
    fitted = analysis.get('calibration', {}).get('fitted')
    if not fitted:
        raise ValueError(f'{analysis_json} has no fitted temperatures: the predictions carry no MDN sigma, or none '
                         'was matched to an annotated person')
    if per_keypoint:
        fitted = {**{k: v for k, v in fitted.items() if k != 'sigma_temperature'},
                  'keypoint_temperatures': analysis['calibration']['keypoint_temperatures']}
    with open(fit_out, 'w') as f:
        json.dump(fitted, f, indent=1)
    with open(osp.splitext(fit_out)[0] + '.py', 'w') as f:
        f.write(f'# fitted by tools/analysis/mdn_analysis.py --fit-out on {analysis["ann_file"]}\n'
                f'model = dict(test_cfg=dict({", ".join(f"{k}={v!r}" for k, v in fitted.items())}))\n')
    print(f'temperatures: {fit_out}')


def main(argv=None):
    args = parse_args(argv)
    name = osp.splitext(osp.basename(args.config or args.ann_file))[0]
    out_dir = args.out_dir or osp.join('work_dirs', 'mdn_analysis', name)
    options = dict(displacements=args.displacements, seeds=args.seeds,
                   temperatures=load_temperatures(args.temperatures))
    if args.config is None:
        analysis = MDNAnalysis(args.ann_file, **options)
        paths = write_report(analysis.run(), out_dir, title=f'GT displacement: {name}')
        print(f'report: {paths["report"]}')
        return
    cfg = merge_cfg_options(Config.fromfile(args.config), args.cfg_options)  # data_root=DIR moves every path
    metric = coco_metric(cfg)
    ann_file = args.ann_file or metric.get('ann_file')
    if args.checkpoint is not None:
        cfg.load_from = args.checkpoint
        cfg.launcher = 'none'
        cfg.work_dir = out_dir  # the test's logs and config beside the report, never over a run's config
        keep_run_config(cfg, args.config)
        cfg.default_hooks.analysis = dict(type='MDNAnalysisHook', enable=True, ann_file=ann_file, out_dir=out_dir,
                                          compare=args.compare, **options)
        # the analysis writes its report only: a DumpResults of the config (a run's dumped config carries one into
        # the run's own predictions.pkl) would overwrite that file
        cfg.test_evaluator = [e for e in test_evaluators(cfg) if e.get('type') != 'DumpResults']
        Runner.from_cfg(visualizer_per_run(cfg)).test()
        print(f'report: {osp.join(out_dir, "test", "report.md")}')
        write_temperatures(osp.join(out_dir, 'test', 'analysis.json'), args.fit_out, args.fit_keypoints)
        return
    preds = Predictions.from_dump(args.dump)
    check_dump_fits_model(preds, cfg, args.dump)
    if ann_file is None:
        raise ValueError(f'{args.config} has no test CocoMetric ann_file: give --ann-file')
    analysis = MDNAnalysis(ann_file, dataset_meta(cfg), score_mode=metric.get('score_mode', 'bbox_keypoint'),
                           keypoint_score_thr=metric.get('keypoint_score_thr', 0.2),
                           use_area=metric.get('use_area', True), nms_mode=metric.get('nms_mode', 'oks_nms'),
                           **options)
    other = None if args.compare is None else Predictions.from_dump(args.compare, '--compare')
    paths = write_report(analysis.run(preds, other=other, other_name=args.compare), osp.join(out_dir, 'test'),
                         title=f'MDN analysis: {name}')
    print(f'report: {paths["report"]}')
    write_temperatures(paths['json'], args.fit_out, args.fit_keypoints)


if __name__ == '__main__':
    sys.exit(main())
