"""CenterNetPoseInferencer (mmpose's Pose2DInferencer for our configs) with the checkpoint trained in this session,
as a new user calls it: people (not candidates) by its bbox_thr, the MDN fields in its dict predictions and JSON
files, pictures from the config's MDNPoseLocalVisualizer."""
import json

import cv2
import numpy as np
import pytest
from mmpose.apis import inference_bottomup, init_model

from conftest import MINI_MDN, ROOT, data_dir

from mmpose_mdn.apis import CenterNetPoseInferencer
from mmpose_mdn.visualization import COMPONENT_COLORS


@pytest.fixture(scope='module')
def inferencer(mini_checkpoint):
    return CenterNetPoseInferencer(str(ROOT / MINI_MDN), str(mini_checkpoint), device='cpu')


@pytest.fixture(scope='module')
def candidates(mini_checkpoint):
    """Every candidate of the photo (score >= 0.01, the evaluation threshold of the config), by mmpose's
    init_model / inference_bottomup."""
    model = init_model(str(ROOT / MINI_MDN), str(mini_checkpoint), device='cpu')
    return inference_bottomup(model, str(photo()))[0].pred_instances


def photo():
    return sorted(data_dir('coco_test4').glob('*.jpg'))[0]


def test_predictions_keep_mdn_fields_and_threshold_people(inferencer, candidates, tmp_path):
    thr = float(np.sort(candidates.bbox_scores)[-5])  # keeps the 5 best candidates
    result = next(inferencer(str(photo()), bbox_thr=thr, return_vis=True, pred_out_dir=str(tmp_path)))
    people = result['predictions'][0]
    best = candidates[candidates.bbox_scores >= thr]
    assert len(people) == len(best) == 5
    np.testing.assert_allclose([p['keypoints'] for p in people], best.keypoints, atol=1e-3)
    assert [p['component'] for p in people] == best.components.tolist()
    np.testing.assert_allclose([p['mixture_probs'] for p in people], best.mixture_probs, atol=1e-6)
    np.testing.assert_allclose([p['sigma'] for p in people], best.sigmas, atol=1e-4)
    saved = json.loads((tmp_path / f'{photo().stem}.json').read_text())
    assert [p['component'] for p in saved] == best.components.tolist() and 'sigma' in saved[0]
    np.testing.assert_allclose(saved[0]['keypoint_sigma'], np.outer(inferencer.model.dataset_meta['sigmas'],
                                                                    best.sigmas[0]), rtol=1e-4)

    drawn = result['visualization'][0]  # RGB, drawn by MDNPoseLocalVisualizer: the legend's colours are there
    assert drawn.shape == cv2.imread(str(photo())).shape
    for colour in COMPONENT_COLORS[:3]:
        assert (drawn[:60, :150] == colour).all(-1).sum() > 50


def test_default_bbox_thr_returns_people_not_candidates(inferencer, candidates):
    """mmpose's default bbox_thr (0.3) becomes the model's score_thr: this checkpoint's candidates
    (100, all below 0.1) are not people."""
    assert len(candidates) == 100
    people = next(inferencer(str(photo())))['predictions'][0]
    assert len(people) == int((candidates.bbox_scores >= 0.3).sum()) == 0
