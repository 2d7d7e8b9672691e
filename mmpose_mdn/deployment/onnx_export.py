"""The network of a pose config as ONNX (raw maps: the last stack's outputs, heatmaps as probabilities), and its
parity with PyTorch on real images (``tools/deployment/pytorch2onnx.py`` is the command line).

Exporter: torch's TorchScript-based ``torch.onnx.export(..., dynamo=False)``, opset 17. The network is plain
convolutions, batch norms, ReLUs, upsampling and sigmoids, which that exporter handles; the dynamo exporter needs
onnxscript and ml_dtypes >= 0.5, which need numpy 2, and mmcv 2.1.0 is built against numpy 1. Decoding (top-k
centres, the component rule, refinement) stays in :meth:`CenterNetMDNHead.predict_by_feat`, run on the ONNX
outputs exactly as on PyTorch's.
"""
import copy
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

KEYPOINT_TOL_PX = 0.5  # image pixels
SCORE_TOL = 1e-3
AP_TOL = 1e-3
PEOPLE_SCORE_THR = 0.3  # people scoring below it may be found by one runtime alone (near-equal candidates)
UNMATCHED_SHARE = 0.01  # ... as long as they are at most this share of the people


class PredictMaps(nn.Module):
    """``estimator.extract_feat`` then ``head.predict_maps``: input (B, 3, H, W) -> the maps, in ``names`` order."""

    def __init__(self, estimator: nn.Module, names: Sequence[str]):
        super().__init__()
        self.estimator, self.names = estimator, list(names)

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        maps = self.estimator.head.predict_maps(self.estimator.extract_feat(inputs))
        return tuple(maps[n] for n in self.names)


def map_names(estimator: nn.Module, input_size: Tuple[int, int]) -> List[str]:
    """The head's map names (sorted), from one forward pass of a zero image of ``input_size`` (W, H)."""
    with torch.no_grad():
        maps = estimator.head.predict_maps(estimator.extract_feat(torch.zeros(1, 3, input_size[1], input_size[0])))
    return sorted(maps)


def export_onnx(estimator: nn.Module, out_file: str, input_size: Tuple[int, int], dynamic_batch: bool = False,
                opset: int = 17) -> List[str]:
    """Write the estimator's network (eval mode) to ``out_file``: input ``input`` (B, 3, H, W), the normalised image
    the data preprocessor makes, outputs named by the head's maps. Returns the output names."""
    estimator = estimator.eval()
    names = map_names(estimator, input_size)
    axes = {n: {0: 'batch'} for n in ['input', *names]} if dynamic_batch else None
    dummy = torch.zeros(1, 3, input_size[1], input_size[0])
    with torch.no_grad():
        torch.onnx.export(PredictMaps(estimator, names), (dummy, ), out_file, opset_version=opset, dynamo=False,
                          input_names=['input'], output_names=names, dynamic_axes=axes)
    return names


class OnnxMaps:
    """An onnxruntime session of an exported network: ``(inputs (B, 3, H, W) tensor) -> maps`` by name."""

    def __init__(self, onnx_file: str):
        import onnxruntime
        self.session = onnxruntime.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])
        self.names = [o.name for o in self.session.get_outputs()]

    def __call__(self, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        outputs = self.session.run(None, {'input': inputs.cpu().numpy().astype(np.float32)})
        return {n: torch.from_numpy(o) for n, o in zip(self.names, outputs)}


def compare_on_images(estimator: nn.Module, onnx_file: str, inputs: Iterable[dict],
                      metric_cfg: Optional[dict] = None) -> dict:
    """PyTorch against onnxruntime on ``inputs`` (the config's test pipeline's inputs: ``dict(img_path=...)``, or a
    dataset's data infos) one image at a time: the largest difference of the maps, and of the keypoints (image
    pixels) and scores of the people both find (:func:`match_people`); how many people one runtime finds alone and
    the best score among them; with ``metric_cfg`` (a CocoMetric of the images' annotations) each runtime's
    metrics (``metrics``: PyTorch's, ONNX's)."""
    from mmengine.dataset import Compose, pseudo_collate
    from mmpose.registry import METRICS
    estimator = estimator.eval()
    runtime = OnnxMaps(onnx_file)
    pipeline = Compose(copy.deepcopy(estimator.cfg.test_dataloader.dataset.pipeline))
    metrics = [METRICS.build(copy.deepcopy(metric_cfg)) for _ in range(2)] if metric_cfg else []
    for metric in metrics:
        metric.dataset_meta = estimator.dataset_meta
    worst = dict(maps=0.0, keypoints_px=0.0, scores=0.0, people=0, unmatched=0, unmatched_score=0.0, images=0)
    for info in inputs:
        batch = estimator.data_preprocessor(pseudo_collate([pipeline(copy.deepcopy(info))]), False)
        with torch.no_grad():
            ours = estimator.head.predict_maps(estimator.extract_feat(batch['inputs']))
        theirs = runtime(batch['inputs'])
        if sorted(theirs) != sorted(ours):
            raise ValueError(f'{onnx_file} outputs {sorted(theirs)}, the model {sorted(ours)}: another model?')
        worst['maps'] = max(worst['maps'], max(float((ours[n] - theirs[n]).abs().max()) for n in ours))
        samples = [estimator.add_pred_to_datasample(estimator.head.predict_by_feat(maps, estimator.test_cfg), None,
                                                    copy.deepcopy(batch['data_samples']))[0] for maps in (ours, theirs)]
        people = [s.pred_instances for s in samples]
        pairs, alone = match_people(people[0], people[1])
        if len(pairs):
            worst['keypoints_px'] = max(worst['keypoints_px'], float(np.abs(
                people[0].keypoints[pairs[:, 0]] - people[1].keypoints[pairs[:, 1]]).max()))
            worst['scores'] = max(worst['scores'], float(np.abs(
                people[0].bbox_scores[pairs[:, 0]] - people[1].bbox_scores[pairs[:, 1]]).max()), float(np.abs(
                    people[0].keypoint_scores[pairs[:, 0]] - people[1].keypoint_scores[pairs[:, 1]]).max()))
        worst['unmatched'] += len(alone)
        worst['unmatched_score'] = max([worst['unmatched_score'], *alone])
        for metric, sample in zip(metrics, samples):
            metric.process([], [sample.to_dict()])
        worst['people'] += len(pairs)
        worst['images'] += 1
    if metrics:
        worst['metrics'] = [metric.evaluate(worst['images']) for metric in metrics]
    return worst


def match_people(ours, theirs, tol_px: float = KEYPOINT_TOL_PX) -> Tuple[np.ndarray, List[float]]:
    """Pairs (P, 2) of people (indices into ``ours``, ``theirs``: InstanceData) whose keypoints lie within ``tol_px``
    of each other, each matched once, best first; and the scores of the people left alone. Candidates of nearly
    equal score (1e-6 apart: a barely trained model's background) swap ranks or cross the top-k between runtimes
    (a local maximum is a pixel equal to its 3x3 maximum), so people are matched by their keypoints, not by rank."""
    dist = (np.abs(ours.keypoints[:, None] - theirs.keypoints[None]).max(axis=(2, 3)) if len(ours) and len(theirs)
            else np.zeros((len(ours), len(theirs))))
    pairs, used = [], set()
    for i in np.argsort(-ours.bbox_scores, kind='stable'):
        candidates = [j for j in np.argsort(dist[i], kind='stable') if dist[i, j] <= tol_px and j not in used]
        if candidates:
            pairs.append((i, candidates[0]))
            used.add(candidates[0])
    matched = {i for i, _ in pairs}
    alone = [float(ours.bbox_scores[i]) for i in range(len(ours)) if i not in matched]
    alone += [float(theirs.bbox_scores[j]) for j in range(len(theirs)) if j not in used]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2), alone


def check_parity(worst: dict, onnx_file: str, score_thr: float = PEOPLE_SCORE_THR) -> None:
    """Refuse an export whose people's keypoints, scores or AP differ from PyTorch's beyond the tolerances, or where
    one runtime alone finds a person scoring >= ``score_thr`` (the inferencers' ``bbox_thr``: people a user sees) or
    more than :data:`UNMATCHED_SHARE` of the people, naming the differences."""
    problems = []
    if worst['unmatched'] > UNMATCHED_SHARE * (worst['people'] + worst['unmatched']):
        problems.append(f'{worst["unmatched"]} of {worst["people"] + worst["unmatched"]} people found by one runtime '
                        f'alone (allowed: {UNMATCHED_SHARE:.0%})')
    if worst['unmatched_score'] >= score_thr:
        problems.append(f'{worst["unmatched"]} people found by one runtime alone, scoring up to '
                        f'{worst["unmatched_score"]:.3g} (allowed below {score_thr})')
    if worst['keypoints_px'] > KEYPOINT_TOL_PX:
        problems.append(f'keypoints differ by up to {worst["keypoints_px"]:.3g} px (tolerance {KEYPOINT_TOL_PX})')
    if worst['scores'] > SCORE_TOL:
        problems.append(f'scores differ by up to {worst["scores"]:.3g} (tolerance {SCORE_TOL})')
    if 'metrics' in worst:
        ap = [m['coco/AP'] for m in worst['metrics']]
        if abs(ap[0] - ap[1]) > AP_TOL:
            problems.append(f'AP {ap[1]:.4f} against PyTorch\'s {ap[0]:.4f} (tolerance {AP_TOL})')
    if problems:
        raise ValueError(f'{onnx_file} disagrees with PyTorch: ' + '; '.join(problems))
