"""The paper's analyses after every validation / test epoch, next to CocoMetric."""
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

from mmengine.dist import collect_results, is_main_process
from mmengine.hooks import Hook
from mmpose.evaluation.metrics import CocoMetric
from mmpose.registry import HOOKS

from ...evaluation import MDNAnalysis, Predictions, analysis_scalars, write_report
from ...evaluation.predictions import FIELDS, OPTIONAL_FIELDS


@HOOKS.register_module()
class MDNAnalysisHook(Hook):
    """Keypoint-group AP, GT displacement, component ablations on the people subsets and component statistics
    (:class:`~mmpose_mdn.evaluation.MDNAnalysis`) of the predictions of each val / test epoch, from the same
    forward pass CocoMetric scores: written to ``<out_dir>/<test | val_epoch_N>/`` (``analysis.json``,
    ``report.md``, PNG charts), summarised in the log and sent as scalars to the visualizer's backends. The
    annotation file and the scoring (``score_mode``, ``keypoint_score_thr``, ``use_area``) are the evaluator's
    CocoMetric's unless ``ann_file`` is given. Switched off by default in ``configs/_base_/default_runtime.py``::

        python tools/test.py CONFIG CKPT --cfg-options default_hooks.analysis.enable=True

    Args:
        enable (bool): run the analyses
        ann_file (str, optional): COCO keypoint annotations of the evaluated split
        out_dir (str, optional): where the reports go; ``<work_dir>/analysis`` by default
        displacements, seeds, score_thrs, temperatures, progress: as :class:`~mmpose_mdn.evaluation.MDNAnalysis`
        compare (str, optional): another model's predictions on the same split (``tools/test.py --dump FILE.pkl``):
            each keypoint group's pixel errors of both on the people both match
            (:meth:`~mmpose_mdn.evaluation.MDNAnalysis.compare`)
    """
    priority = 'LOW'

    def __init__(self, enable: bool = False, ann_file: Optional[str] = None, out_dir: Optional[str] = None,
                 displacements: Sequence[float] = (1, 2, 3), seeds: Sequence[int] = (0, 1, 2),
                 score_thrs: Sequence[float] = (0.5, 0.7), temperatures: Optional[dict] = None,
                 progress: bool = True, compare: Optional[str] = None):
        self.enable, self.ann_file, self.out_dir, self.compare = enable, ann_file, out_dir, compare
        self.options = dict(displacements=tuple(displacements), seeds=tuple(seeds), score_thrs=tuple(score_thrs),
                            temperatures=temperatures, progress=progress)
        self._samples: list = []
        self._other: Optional[Predictions] = None
        self._analyses: Dict[str, Tuple[MDNAnalysis, dict]] = {}  # by annotation file, with its GT displacement

    def before_val_epoch(self, runner) -> None:
        self._start(runner.val_loop)

    def before_test_epoch(self, runner) -> None:
        self._start(runner.test_loop)

    def _start(self, loop) -> None:
        """Empties the collected predictions; the annotation file and settings are checked before inference."""
        self._samples = []
        if self.enable and is_main_process():
            self.analysis(loop.evaluator, loop.dataloader.dataset)
            self.other()

    def after_val_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._collect(outputs)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._collect(outputs)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._analyse(runner, runner.val_loop, f'val_epoch_{runner.epoch}', runner.epoch)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._analyse(runner, runner.test_loop, 'test', runner.epoch)

    def _collect(self, outputs) -> None:
        if not self.enable:
            return
        for sample in outputs:
            inst = sample.pred_instances.to_dict()
            self._samples.append(dict(img_id=sample.img_id,
                                      pred_instances={k: v for k, v in inst.items() if k in FIELDS + OPTIONAL_FIELDS}))

    def analysis(self, evaluator, dataset) -> Tuple[MDNAnalysis, dict]:
        """The analysis of the evaluator's CocoMetric's annotation file and scoring, and the file's GT displacement
        (computed once per file: it does not depend on the model)."""
        coco = [m for m in evaluator.metrics if isinstance(m, CocoMetric)]
        ann_file = self.ann_file or (coco[0].ann_file if coco else None)
        if ann_file is None:
            raise ValueError('MDNAnalysisHook needs the COCO keypoint annotations of the evaluated split: set its '
                             'ann_file, or evaluate with CocoMetric(ann_file=...)')
        if ann_file not in self._analyses:
            score = dict(score_mode=coco[0].score_mode, keypoint_score_thr=coco[0].keypoint_score_thr,
                         use_area=coco[0].use_area, nms_mode=coco[0].nms_mode) if coco else {}
            analysis = MDNAnalysis(ann_file, dataset.metainfo, **score, **self.options)
            self._analyses[ann_file] = analysis, analysis.gt_displacement()
        return self._analyses[ann_file]

    def other(self) -> Optional[Predictions]:
        """The predictions of ``compare`` (None without), read once; a missing file, or one holding no pose
        predictions, fails before inference, naming it."""
        if self.compare is not None and self._other is None:
            self._other = Predictions.from_dump(self.compare, 'MDNAnalysisHook compare')
        return self._other

    def _analyse(self, runner, loop, tag: str, step: int) -> None:
        if not self.enable:
            return
        samples = collect_results(self._samples, len(loop.dataloader.dataset), device='cpu')
        self._samples = []
        if not is_main_process():
            return
        analysis, gt_displaced = self.analysis(loop.evaluator, loop.dataloader.dataset)
        result = analysis.run(Predictions.from_samples(samples, f'the {tag} predictions'), gt_displaced, self.other(),
                              self.compare)
        out_dir = osp.join(self.out_dir or osp.join(runner.work_dir, 'analysis'), tag)
        write_report(result, out_dir, title=f'MDN analysis: {tag}')
        groups = result['keypoint_groups']['model']
        runner.logger.info(f'MDN analysis ({out_dir}/report.md): keypoint-group AP ' +
                           ', '.join(f'{g} {ap:.3f}' for g, ap in groups.items()))
        if 'note' in result:
            runner.logger.info(f'MDN analysis: {result["note"]}')
        else:
            rows = result['ablations']
            comps = result['components']
            runner.logger.info('MDN analysis: AP ' + ', '.join(f'{r} {s["all"]["AP"]:.3f}' for r, s in rows.items()) +
                               (f'; face agreement {comps["face_agreement"]:.3f}' if 'face_agreement' in comps
                                else f'; {comps["note"]}'))
        runner.visualizer.add_scalars(analysis_scalars(result), step=step)
