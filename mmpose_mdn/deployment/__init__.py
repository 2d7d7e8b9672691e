"""Deployment: a model as ONNX, its maps or its decoded people, and its parity with PyTorch (:mod:`.onnx_export`);
its convolutions in int8 (:mod:`.quantization`)."""
from .onnx_export import (AP_TOL, KEYPOINT_TOL_PX, SCORE_TOL, OnnxRuntime, PredictMaps, PredictPeople, check_parity,
                          compare_on_images, deploy_meta, export_onnx, people_of)
from .quantization import calibration_inputs, check_ap_drop, quantize_int8

__all__ = ['AP_TOL', 'KEYPOINT_TOL_PX', 'SCORE_TOL', 'OnnxRuntime', 'PredictMaps', 'PredictPeople', 'check_parity',
           'compare_on_images', 'deploy_meta', 'export_onnx', 'people_of', 'calibration_inputs', 'check_ap_drop',
           'quantize_int8']
