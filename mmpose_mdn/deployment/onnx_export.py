"""The network of a pose config as ONNX (raw maps: the last stack's outputs, heatmaps as probabilities), and its
parity with PyTorch on real images (``tools/deployment/pytorch2onnx.py`` is the command line).

Exporter: torch's TorchScript-based ``torch.onnx.export(..., dynamo=False)``, opset 17. The network is plain
convolutions, batch norms, ReLUs, upsampling and sigmoids, which that exporter handles; the dynamo exporter needs
onnxscript and ml_dtypes >= 0.5, which need numpy 2, and mmcv 2.1.0 is built against numpy 1. Decoding (top-k
centres, the component rule, refinement) stays in :meth:`CenterNetMDNHead.predict_by_feat`, run on the ONNX
outputs exactly as on PyTorch's.
"""
import copy
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
from torch import nn

KEYPOINT_TOL_PX = 0.5  # image pixels
SCORE_TOL = 1e-3


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


def compare_on_images(estimator: nn.Module, onnx_file: str, images: Sequence[str]) -> dict:
    """PyTorch against onnxruntime on ``images`` through the config's test pipeline: the largest difference of the
    maps, of the people's keypoints (image pixels; the same people, in the same order) and of their scores."""
    from mmengine.dataset import Compose, pseudo_collate
    estimator = estimator.eval()
    runtime = OnnxMaps(onnx_file)
    pipeline = Compose(copy.deepcopy(estimator.cfg.test_dataloader.dataset.pipeline))
    test_cfg = estimator.test_cfg
    worst = dict(maps=0.0, keypoints_px=0.0, scores=0.0, people=0)
    for path in images:
        batch = estimator.data_preprocessor(pseudo_collate([pipeline(dict(img_path=str(path)))]), False)
        with torch.no_grad():
            ours = estimator.head.predict_maps(estimator.extract_feat(batch['inputs']))
        theirs = runtime(batch['inputs'])
        if sorted(theirs) != sorted(ours):
            raise ValueError(f'{onnx_file} outputs {sorted(theirs)}, the model {sorted(ours)}: another model?')
        worst['maps'] = max(worst['maps'], max(float((ours[n] - theirs[n]).abs().max()) for n in ours))
        people = [estimator.add_pred_to_datasample(estimator.head.predict_by_feat(maps, test_cfg), None,
                                                   copy.deepcopy(batch['data_samples']))[0].pred_instances
                  for maps in (ours, theirs)]
        if len(people[0]) != len(people[1]):
            raise ValueError(f'{path}: PyTorch finds {len(people[0])} people, onnxruntime {len(people[1])}')
        if len(people[0]):
            worst['keypoints_px'] = max(worst['keypoints_px'],
                                        float(np.abs(people[0].keypoints - people[1].keypoints).max()))
            worst['scores'] = max(worst['scores'], float(np.abs(people[0].bbox_scores - people[1].bbox_scores).max()),
                                  float(np.abs(people[0].keypoint_scores - people[1].keypoint_scores).max()))
        worst['people'] += len(people[0])
    return worst


def check_parity(worst: dict, onnx_file: str) -> None:
    """Refuse an export whose keypoints or scores differ from PyTorch's beyond the tolerances, naming them."""
    if worst['keypoints_px'] > KEYPOINT_TOL_PX or worst['scores'] > SCORE_TOL:
        raise ValueError(f'{onnx_file} disagrees with PyTorch: keypoints up to {worst["keypoints_px"]:.3g} px '
                         f'(tolerance {KEYPOINT_TOL_PX}), scores up to {worst["scores"]:.3g} (tolerance {SCORE_TOL})')
