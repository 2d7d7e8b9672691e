"""tools/train.py -> tools/test.py -> mmpose.apis.init_model on coco_mini, run as a user runs them (the demo is
tested in tests/test_demo)."""
import json

import mmengine
import numpy as np
import pytest
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from conftest import MINI_MDN, ROOT, SETS, data_dir, scalars, xtcocotools_stats

EPOCHS = 3  # 9 iterations of 4 images each: 27 iterations


@pytest.fixture(scope='module')
def trained(mini_checkpoint):
    """The work dir of the session's coco-mini MDN3 run (tools/train.py, 3 epochs)."""
    return mini_checkpoint.parent


def test_train_losses_finite_and_decreasing(trained):
    records = [r for r in scalars(trained) if 'loss' in r]
    assert len(records) == EPOCHS * 9
    losses = np.array([r['loss'] for r in records])
    assert np.isfinite(losses).all()
    assert all(np.isfinite(r['loss_mdn']) for r in records)
    assert losses[-5:].mean() < 0.8 * losses[:5].mean(), losses
    assert (trained / f'epoch_{EPOCHS}.pth').is_file()


def test_test_tool_writes_metrics_and_predictions(mini_test_run, tmp_path):
    work_dir, _ = mini_test_run  # the session's tools/test.py run, with --out and --dump
    out = work_dir / 'metrics.json'
    metrics = json.loads(out.read_text())
    predictions = json.loads((work_dir / 'metrics.keypoints.json').read_text())
    assert predictions and all(len(p['keypoints']) == 17 * 3 and p['category_id'] == 1 for p in predictions)
    # CocoMetric's AP/AR are xtcocotools' on the predictions it wrote (COCO sigmas, use_area)
    gt = json.loads((data_dir('coco_mini') / SETS['coco_mini'][1]).read_text())
    sigmas = parse_pose_metainfo(CocoDataset.METAINFO)['sigmas']
    stats = xtcocotools_stats(gt, predictions, sigmas, tmp_path)
    assert metrics['coco/AP'] == pytest.approx(stats[0], abs=1e-9) and metrics['coco/AR'] == pytest.approx(stats[5])
    dumped = mmengine.load(work_dir / "preds.pkl")
    assert len(dumped) == 79  # every coco_mini val image, people or not
    inst = dumped[0]['pred_instances']
    assert inst['keypoints'].shape[1:] == (17, 2) and inst['mixture_probs'].shape[1] == 3


def test_init_model_loads_checkpoint_weights_only(trained):
    """mmpose.apis.init_model reads the checkpoint under torch's weights-only unpickler and takes the dataset
    meta from it; inference on a real image returns 17 keypoints per person."""
    from mmpose.apis import inference_bottomup, init_model
    model = init_model(str(ROOT / MINI_MDN), str(trained / f'epoch_{EPOCHS}.pth'), device='cpu')
    assert model.dataset_meta['dataset_name'] == 'coco' and len(model.dataset_meta['sigmas']) == 17
    image = next((data_dir('coco_test4')).glob('*.jpg'))
    result = inference_bottomup(model, str(image))[0]
    assert result.pred_instances.keypoints.shape[1:] == (17, 2)

