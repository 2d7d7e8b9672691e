"""A pose config as ONNX, and its parity with PyTorch on real images (``tools/deployment/pytorch2onnx.py`` is the
command line).

Two graphs, both from the normalised image the data preprocessor makes, ``input`` (B, 3, H, W):

- maps (:class:`PredictMaps`): the last stack's outputs, heatmaps as probabilities, decoded by
  :meth:`CenterNetMDNHead.predict_by_feat` as PyTorch's are;
- people (:class:`PredictPeople`, ``with_decode``): the head's fixed-size decoding
  (:meth:`CenterNetMDNHead.decode_people`: top-k centres, the component rule, refinement) inside the graph, in the
  shapes mmdeploy and rtmlib use, ``dets`` (B, N, 5) (x1, y1, x2, y2, score) and ``keypoints`` (B, N, K, 3)
  (x, y, score), plus for MDN ``components`` (B, N), ``mixture_probs`` (B, N, M), ``sigmas`` (B, N, 2),
  ``component_keypoints`` (B, N, M, K, 3) and ``component_sigmas`` (B, N, M, 2); model-input pixels, all
  N = ``decode_topk`` candidates, best first (keep those scoring >= the threshold you choose).

The file's metadata ``mmpose_mdn`` (JSON, :func:`deploy_meta`) holds what a runtime without torch needs to
preprocess an image and to write image_demo's JSON (``demo/onnx_demo.py``).

Exporter: torch's TorchScript-based ``torch.onnx.export(..., dynamo=False)``, opset 17. The network is plain
convolutions, batch norms, ReLUs, upsampling and sigmoids, the decoding top-k, gathers and comparisons, which that
exporter handles; the dynamo exporter needs onnxscript and ml_dtypes >= 0.5, which need numpy 2, and mmcv 2.1.0 is
built against numpy 1.
"""
import copy
import json
import warnings
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.structures import InstanceData
from torch import nn

KEYPOINT_TOL_PX = 0.5  # image pixels
SCORE_TOL = 1e-3
AP_TOL = 1e-3
PEOPLE_SCORE_THR = 0.3  # people scoring below it may be found by one runtime alone (near-equal candidates)
UNMATCHED_SHARE = 0.01  # ... as long as they are at most this share of the people
PEOPLE_OUTPUTS = ('dets', 'keypoints')
MDN_OUTPUTS = ('components', 'mixture_probs', 'sigmas', 'component_keypoints', 'component_sigmas')


class PredictMaps(nn.Module):
    """``estimator.extract_feat`` then ``head.predict_maps``: input (B, 3, H, W) -> the maps, in ``names`` order."""

    def __init__(self, estimator: nn.Module, names: Sequence[str]):
        super().__init__()
        self.estimator, self.names = estimator, list(names)

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        maps = self.estimator.head.predict_maps(self.estimator.extract_feat(inputs))
        return tuple(maps[n] for n in self.names)


class PredictPeople(nn.Module):
    """The estimator's prediction as one graph under ``test_cfg``: ``extract_feat`` and ``head.predict_maps``
    (with ``flip_test``, of the input and its mirror image, ``head.flip_average``), then ``head.decode_people``:
    input (B, 3, H, W) -> :data:`PEOPLE_OUTPUTS`, then for MDN heads :data:`MDN_OUTPUTS` (shapes in the module
    doc)."""

    def __init__(self, estimator: nn.Module, test_cfg: dict):
        super().__init__()
        self.estimator, self.test_cfg = estimator, dict(test_cfg)

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        head = self.estimator.head
        if self.test_cfg.get('flip_test', False):
            feats = [self.estimator.extract_feat(inputs), self.estimator.extract_feat(inputs.flip(-1))]
            maps = head.flip_average(feats, self.estimator.dataset_meta['flip_indices'])
        else:
            maps = head.predict_maps(self.estimator.extract_feat(inputs))
        people = head.decode_people(maps, self.test_cfg)
        outputs = [torch.cat([people['bboxes'], people['bbox_scores'][..., None]], dim=-1),
                   torch.cat([people['keypoints'], people['keypoint_scores'][..., None]], dim=-1)]
        if head.is_mdn:
            outputs += [people['components'], people['mixture_probs'], people['sigmas'],
                        torch.cat([people['component_keypoints'], people['component_keypoint_scores'][..., None]], -1),
                        people['component_sigmas']]
        return tuple(outputs)


def map_names(estimator: nn.Module, input_size: Tuple[int, int]) -> List[str]:
    """The head's map names (sorted), from one forward pass of a zero image of ``input_size`` (W, H)."""
    with torch.no_grad():
        maps = estimator.head.predict_maps(estimator.extract_feat(torch.zeros(1, 3, input_size[1], input_size[0])))
    return sorted(maps)


def deploy_meta(estimator: nn.Module, input_size: Tuple[int, int], with_decode: bool) -> dict:
    """What a runtime without torch needs, from the estimator's config: ``outputs`` ('maps' or 'people'), the
    network's ``input_size`` (W, H); the test pipeline's ``BottomupResize`` (``resize_mode``, ``size_factor``,
    ``pad_val``); the data preprocessor's ``mean``, ``std`` and ``bgr_to_rgb``; ``score_thr`` (the ``test_cfg``'s);
    ``num_components`` (None for L1); ``keypoint_temperatures`` (the ``test_cfg``'s, None without: keypoint k's
    std is sigma v_k t_k); the dataset's ``keypoint_names``, keypoint ``sigmas``, ``skeleton_links``,
    ``keypoint_colors`` and ``skeleton_link_colors``."""
    cfg, meta = estimator.cfg, estimator.dataset_meta
    resize = [t for t in cfg.test_dataloader.dataset.pipeline
              if t['type'] in ('BottomupResize', 'mmpose.BottomupResize')]
    if len(resize) != 1 or resize[0].get('aug_scales') or resize[0].get('use_udp', False):
        raise ValueError('an export needs one BottomupResize without aug_scales or use_udp in the config\'s '
                         f'test_dataloader.dataset.pipeline; it has {resize}')
    pre = cfg.model.data_preprocessor
    return dict(outputs='people' if with_decode else 'maps', input_size=list(input_size),
                resize_mode=resize[0].get('resize_mode', 'fit'), size_factor=resize[0].get('size_factor', 32),
                pad_val=list(resize[0].get('pad_val', (0, 0, 0))), mean=list(pre['mean']), std=list(pre['std']),
                bgr_to_rgb=bool(pre.get('bgr_to_rgb', False)), score_thr=estimator.test_cfg.get('score_thr', 0.0),
                num_components=estimator.head.num_components,
                keypoint_temperatures=estimator.test_cfg.get('keypoint_temperatures'),
                keypoint_names=[meta['keypoint_id2name'][k] for k in range(meta['num_keypoints'])],
                **{key: np.asarray(meta[key]).tolist()
                   for key in ('sigmas', 'skeleton_links', 'keypoint_colors', 'skeleton_link_colors')})


def export_onnx(estimator: nn.Module, out_file: str, input_size: Tuple[int, int], dynamic_batch: bool = False,
                with_decode: bool = False, opset: int = 17) -> List[str]:
    """Write the estimator (eval mode) to ``out_file``: input ``input`` (B, 3, H, W), the normalised image the
    data preprocessor makes; outputs the head's maps (one pass, whatever ``flip_test``) or, ``with_decode``, its
    people under the estimator's ``test_cfg`` (:class:`PredictPeople`, flip test included); metadata
    ``mmpose_mdn``, :func:`deploy_meta`. Returns the output names."""
    import onnx
    estimator = estimator.eval()
    meta = deploy_meta(estimator, input_size, with_decode)
    if with_decode:
        module = PredictPeople(estimator, estimator.test_cfg)
        names = list(PEOPLE_OUTPUTS) + (list(MDN_OUTPUTS) if estimator.head.is_mdn else [])
    else:
        names = map_names(estimator, input_size)
        module = PredictMaps(estimator, names)
    axes = {n: {0: 'batch'} for n in ['input', *names]} if dynamic_batch else None
    dummy = torch.zeros(1, 3, input_size[1], input_size[0])
    with torch.no_grad(), warnings.catch_warnings():
        # the tracer's notes that shapes (H, W, k) become constants (they are, for a fixed input size), and that
        # the strided slices of the decoding are not constant-folded
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        warnings.filterwarnings('ignore', 'Constant folding - Only steps=1')
        torch.onnx.export(module, (dummy, ), out_file, opset_version=opset, dynamo=False, input_names=['input'],
                          output_names=names, dynamic_axes=axes)
    model = onnx.load(out_file)
    onnx.helper.set_model_props(model, {'mmpose_mdn': json.dumps(meta)})
    onnx.save(model, out_file)
    return names


class OnnxRuntime:
    """An onnxruntime session of an exported file: ``(inputs (B, 3, H, W) tensor) -> outputs`` by name (tensors),
    and its metadata (:func:`deploy_meta`) as ``meta``."""

    def __init__(self, onnx_file: str):
        import onnxruntime
        self.session = onnxruntime.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])
        self.names = [o.name for o in self.session.get_outputs()]
        props = self.session.get_modelmeta().custom_metadata_map
        if 'mmpose_mdn' not in props:
            raise ValueError(f'{onnx_file} has no mmpose_mdn metadata: not written by pytorch2onnx.py (export again)')
        self.meta = json.loads(props['mmpose_mdn'])

    def __call__(self, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        outputs = self.session.run(None, {'input': inputs.cpu().numpy().astype(np.float32)})
        return {n: torch.from_numpy(o) for n, o in zip(self.names, outputs)}


def people_of(outputs: Dict[str, torch.Tensor], score_thr: float, meta: dict) -> List[InstanceData]:
    """The people graph's outputs (B, N, ...) -> per image the people scoring >= ``score_thr``, with the fields of
    :meth:`CenterNetMDNHead.predict_by_feat` (model-input pixels; ``keypoint_sigmas`` sigma v_k t_k from the
    export's ``meta``, :func:`deploy_meta`)."""
    fields = dict(bboxes=outputs['dets'][..., :4], bbox_scores=outputs['dets'][..., 4],
                  keypoints=outputs['keypoints'][..., :2], keypoint_scores=outputs['keypoints'][..., 2])
    if 'component_keypoints' in outputs:
        fields.update({n: outputs[n] for n in MDN_OUTPUTS})
        fields.update(component_keypoints=outputs['component_keypoints'][..., :2],
                      component_keypoint_scores=outputs['component_keypoints'][..., 2])
        scale = torch.tensor(meta['sigmas']) * torch.tensor(meta.get('keypoint_temperatures') or 1.0)
        fields['keypoint_sigmas'] = outputs['sigmas'][..., None, :] * scale[:, None]
    keep = fields['bbox_scores'] >= score_thr
    return [InstanceData(**{n: v[b][keep[b]].numpy() for n, v in fields.items()}) for b in range(len(keep))]


def preprocess(estimator: nn.Module, pipeline, info: dict) -> dict:
    """The data preprocessor's batch of one input of the test ``pipeline`` (``dict(img_path=...)`` or a data info),
    with the dataset meta (``flip_indices`` for the flip test) added to it as ``inference_bottomup`` adds it."""
    from mmengine.dataset import pseudo_collate
    data = pipeline(copy.deepcopy({**estimator.dataset_meta, **info}))
    return estimator.data_preprocessor(pseudo_collate([data]), False)


def compare_on_images(estimator: nn.Module, onnx_file: str, inputs: Iterable[dict],
                      metric_cfg: Optional[dict] = None) -> dict:
    """PyTorch against onnxruntime on ``inputs`` (the config's test pipeline's inputs: ``dict(img_path=...)``, or a
    dataset's data infos) one image at a time, under the estimator's ``test_cfg``: PyTorch's people are
    ``estimator.predict``'s for a people graph; for a maps graph, the head decodes both runtimes' maps, whose
    largest difference is reported. Then the largest difference of the keypoints (image pixels) and scores of the
    people both find (:func:`match_people`); how many people one runtime finds alone and the best score among them;
    with ``metric_cfg`` (a CocoMetric of the images' annotations) each runtime's metrics (``metrics``: PyTorch's,
    ONNX's)."""
    from mmengine.dataset import Compose
    from mmpose.registry import METRICS
    estimator = estimator.eval()
    runtime = OnnxRuntime(onnx_file)
    pipeline = Compose(copy.deepcopy(estimator.cfg.test_dataloader.dataset.pipeline))
    metrics = [METRICS.build(copy.deepcopy(metric_cfg)) for _ in range(2)] if metric_cfg else []
    for metric in metrics:
        metric.dataset_meta = estimator.dataset_meta
    test_cfg = estimator.test_cfg
    worst = dict(maps=0.0, keypoints_px=0.0, scores=0.0, people=0, unmatched=0, unmatched_score=0.0, images=0)
    for info in inputs:
        batch = preprocess(estimator, pipeline, info)
        outputs = runtime(batch['inputs'])
        if runtime.meta['outputs'] == 'people':  # PyTorch's prediction as the estimator makes it (flip test too)
            with torch.no_grad():
                ours = estimator.predict(batch['inputs'], copy.deepcopy(batch['data_samples']))[0]
            theirs = people_of(outputs, test_cfg.get('score_thr', 0), runtime.meta)
            samples = [ours, estimator.add_pred_to_datasample(theirs, None, copy.deepcopy(batch['data_samples']))[0]]
        else:
            with torch.no_grad():
                maps = estimator.head.predict_maps(estimator.extract_feat(batch['inputs']))
            if sorted(outputs) != sorted(maps):
                raise ValueError(f'{onnx_file} outputs {sorted(outputs)}, the model {sorted(maps)}: another model?')
            worst['maps'] = max(worst['maps'], max(float((maps[n] - outputs[n]).abs().max()) for n in maps))
            samples = [estimator.add_pred_to_datasample(estimator.head.predict_by_feat(m, test_cfg), None,
                                                        copy.deepcopy(batch['data_samples']))[0]
                       for m in (maps, outputs)]
        people = [s.pred_instances for s in samples]
        if sorted(people[0].keys()) != sorted(people[1].keys()):
            raise ValueError(f'{onnx_file} gives people with {sorted(people[1].keys())}, the model '
                             f'{sorted(people[0].keys())}: another model?')
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
