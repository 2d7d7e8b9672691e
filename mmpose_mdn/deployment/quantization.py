"""An exported model in int8: onnxruntime's static quantization of its convolutions (``pytorch2onnx.py --quantize
int8``).

Each ``Conv`` of the graph gets QDQ pairs: weights int8 per output channel (symmetric), activations uint8 per tensor
with the range the calibration images give (min-max over ``input`` batches that the config's test pipeline and the
data preprocessor made, :func:`calibration_inputs`); onnxruntime's CPU provider then runs those convolutions as
integer convolutions (VNNI where the CPU has it). Everything else, the decoding inside a people graph included,
stays float32. The file keeps its ``mmpose_mdn`` metadata, with ``quantized: int8`` and the number of calibration
images added. Quantization moves the keypoints by more than :data:`~.onnx_export.KEYPOINT_TOL_PX`, so an int8
export is judged by its AP against PyTorch's (:func:`check_ap_drop`), not by parity.
"""
import copy
import json
from typing import List, Sequence

import numpy as np

QUANTIZED_OPS = ('Conv', )


def calibration_inputs(estimator, inputs: Sequence[dict], num: int) -> List[np.ndarray]:
    """``num`` network inputs (1, 3, H, W) float32 from ``inputs`` (test pipeline inputs: ``dict(img_path=...)``
    or a dataset's data infos), evenly spaced over them, through the config's test pipeline and the data
    preprocessor (what the exported graph receives)."""
    from mmengine.dataset import Compose

    from .onnx_export import preprocess
    if not len(inputs):
        raise ValueError('int8 calibration needs images: none given')
    pipeline = Compose(copy.deepcopy(estimator.cfg.test_dataloader.dataset.pipeline))
    picked = np.linspace(0, len(inputs) - 1, min(num, len(inputs))).round().astype(int)
    return [preprocess(estimator, pipeline, inputs[i])['inputs'].numpy().astype(np.float32) for i in picked]


def quantize_int8(onnx_file: str, out_file: str, calibration: Sequence[np.ndarray]) -> None:
    """Write ``onnx_file`` with its convolutions quantized (QDQ, calibrated on the ``calibration`` inputs) to
    ``out_file``, its metadata kept and marked ``quantized: int8``."""
    import tempfile

    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter(calibration)

        def get_next(self):
            batch = next(self.batches, None)
            return None if batch is None else {'input': batch}

    with tempfile.TemporaryDirectory() as tmp:
        # onnxruntime's pre-processing first (shape inference, its graph optimisations): batch norms folded into the
        # convolutions and constants folded, so that every convolution's bias is an initializer and gets quantized
        quant_pre_process(onnx_file, f'{tmp}/pre.onnx', skip_symbolic_shape=True)  # the decoding's reshapes
        quantize_static(f'{tmp}/pre.onnx', out_file, Reader(), quant_format=QuantFormat.QDQ,
                        op_types_to_quantize=list(QUANTIZED_OPS), per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    model = onnx.load(out_file)
    props = {p.key: p.value for p in model.metadata_props}
    meta = json.loads(props['mmpose_mdn'])
    meta.update(quantized='int8', calibration_images=len(calibration))
    onnx.helper.set_model_props(model, {'mmpose_mdn': json.dumps(meta)})
    onnx.save(model, out_file)


def check_ap_drop(worst: dict, onnx_file: str, max_drop: float) -> None:
    """Refuse an int8 export whose AP (``worst['metrics']`` of :func:`~.onnx_export.compare_on_images`, PyTorch's
    then onnxruntime's) is more than ``max_drop`` below PyTorch's, naming both."""
    if 'metrics' not in worst:
        raise ValueError(f'{onnx_file}: an int8 export is checked by its AP, which needs the config\'s test set '
                         '(--verify without images)')
    ap = [m['coco/AP'] for m in worst['metrics']]
    if ap[0] - ap[1] > max_drop:
        raise ValueError(f'{onnx_file} (int8) loses AP: {ap[1]:.4f} against PyTorch\'s {ap[0]:.4f} (allowed drop '
                         f'{max_drop})')
