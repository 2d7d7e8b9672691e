"""Deployment: the network as ONNX and its parity with PyTorch (:mod:`.onnx_export`)."""
from .onnx_export import (AP_TOL, KEYPOINT_TOL_PX, SCORE_TOL, OnnxMaps, PredictMaps, check_parity, compare_on_images,
                          export_onnx)

__all__ = ['AP_TOL', 'KEYPOINT_TOL_PX', 'SCORE_TOL', 'OnnxMaps', 'PredictMaps', 'check_parity', 'compare_on_images',
           'export_onnx']
