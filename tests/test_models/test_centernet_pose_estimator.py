"""CenterNetPoseEstimator: every prediction field mapped from model-input to image pixels, in one place."""
import numpy as np
import pytest
import torch
from conftest import coco_mini_batch, tiny_estimator_cfg
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

INPUT = (128, 128)


@pytest.mark.parametrize('num_components', [3, None])
def test_predictions_in_image_pixels(num_components):
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(tiny_estimator_cfg(num_components, INPUT)).eval()
    assert type(model).__name__ == 'CenterNetPoseEstimator'
    batch = coco_mini_batch(INPUT, train=False)
    data = model.data_preprocessor(batch, training=False)
    with torch.no_grad():
        in_input_px = model.head.predict(model.extract_feat(data['inputs']), data['data_samples'], model.test_cfg)
        samples = model.test_step(batch)
    for ref, sample in zip(in_input_px, samples):
        h, w = sample.ori_shape
        assert (w, h) != INPUT
        # BottomupResize 'fit': the image's long side fills the square input, the image centred in it
        scale = max(w, h) / INPUT[0]
        np.testing.assert_allclose(sample.input_scale, [max(w, h)] * 2)
        np.testing.assert_allclose(sample.input_center, [w / 2, h / 2])
        shift = np.array([w / 2, h / 2]) - max(w, h) / 2
        p = sample.pred_instances
        assert len(p) == len(ref) > 0
        np.testing.assert_allclose(p.keypoints, ref.keypoints * scale + shift, rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(p.bboxes, ref.bboxes * scale + np.tile(shift, 2), rtol=1e-5, atol=1e-3)
        np.testing.assert_array_equal(p.keypoint_scores, ref.keypoint_scores)
        if num_components:
            np.testing.assert_allclose(p.sigmas, ref.sigmas * scale, rtol=1e-5)
            np.testing.assert_allclose(p.component_sigmas, ref.component_sigmas * scale, rtol=1e-5)
            np.testing.assert_allclose(p.component_keypoints, ref.component_keypoints * scale + shift, rtol=1e-5,
                                       atol=1e-3)
            np.testing.assert_array_equal(p.mixture_probs, ref.mixture_probs)
        else:
            assert 'sigmas' not in p and 'component_keypoints' not in p
