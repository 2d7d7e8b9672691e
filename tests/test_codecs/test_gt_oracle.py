"""GT oracle on real images: encode the ground truth, decode the targets as if they were the network's output
through the head and the estimator's mapping back to the image, and score with mmpose's CocoMetric."""
import cv2
import numpy as np
import pytest
import torch
from conftest import META_KEYS, ROOT, SETS, data_dir, on_data, tiny_estimator_cfg
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, METRICS, MODELS, TRANSFORMS
from mmpose.structures.bbox import bbox_xyxy2corner, get_warp_matrix

INPUT = (512, 512)


def as_network_output(enc: dict, K: int) -> dict:
    """Scatter encoded per-person targets into the dense maps the head would predict (heatmaps as probs)."""
    hm = torch.from_numpy(enc['heatmaps'])[None]
    H, W = hm.shape[-2:]

    def dense(channels, inds, values):
        m = torch.zeros(channels, H * W)
        m[:, torch.as_tensor(inds)] = torch.as_tensor(values, dtype=torch.float32).reshape(len(inds), channels).T
        return m.view(1, channels, H, W)

    ci, w = enc['centre_indices'], enc['keypoint_weights'] > 0
    return dict(
        centre_heatmap=hm[:, :1], keypoint_heatmaps=hm[:, 1:],
        box_size=dense(2, ci, enc['box_sizes']), centre_offset=dense(2, ci, enc['centre_offsets']),
        keypoint_offset=dense(2 * K, ci, enc['keypoint_offsets'].reshape(len(ci), 2 * K)),
        keypoint_subpixel_offset=torch.cat([
            dense(2, enc['keypoint_indices'][w[:, k], k], enc['keypoint_subpixel_offsets'][w[:, k], k])
            for k in range(K)], dim=1))


def oracle_ap(dataset_cfg: dict, metric_cfg: dict, refine: bool) -> dict:
    """The metrics of the ground truth of ``dataset_cfg`` (a test dataset's config, its pipeline ignored) encoded,
    decoded by a head of the dataset's keypoint count and scored by ``metric_cfg`` (a CocoMetric's config)."""
    init_default_scope('mmpose')
    dataset = DATASETS.build({**dataset_cfg, 'data_mode': 'bottomup', 'test_mode': True, 'pipeline': []})
    K = dataset.metainfo['num_keypoints']
    model_cfg = tiny_estimator_cfg(num_components=None, input_size=INPUT, refine=refine)
    model_cfg['head']['num_keypoints'] = K
    model = MODELS.build(model_cfg)
    head, codec = model.head, model.head.decoder
    # the val pipeline of the configs, then the targets of GenerateTarget at the same warp
    pipeline = Compose([dict(type='LoadImage'),
                        dict(type='BottomupResize', input_size=INPUT, size_factor=32, resize_mode='fit')])
    pack = TRANSFORMS.build(dict(type='PackPoseInputs', meta_keys=META_KEYS))
    metric = METRICS.build(metric_cfg)
    metric.dataset_meta = dataset.metainfo
    for i in range(len(dataset)):
        results = pipeline(dataset.get_data_info(i))
        kpts = results.get('keypoints', np.zeros((0, K, 2), np.float32))
        vis = results.get('keypoints_visible', np.zeros((0, K), np.float32))
        bbox = results.get('bbox', np.zeros((0, 4), np.float32))
        warp = get_warp_matrix(results['input_center'], results['input_scale'], 0, results['input_size'])
        if len(kpts):  # cv2.transform returns None for an empty array
            kpts, bbox = cv2.transform(kpts, warp), cv2.transform(bbox_xyxy2corner(bbox), warp)
        enc = codec.encode(kpts, vis, bbox=bbox)
        sample = pack(results)['data_samples']
        preds = head.predict_by_feat(as_network_output(enc, K))
        model.add_pred_to_datasample(preds, None, [sample])
        metric.process([], [sample.to_dict()])
    return metric.evaluate(len(dataset))


@pytest.mark.parametrize('refine', [True, False])
@pytest.mark.parametrize('name', list(SETS))
def test_gt_oracle_scores_ap_above_099(name, refine):
    folder, ann, prefix = SETS[name]
    root = data_dir(folder)
    metrics = oracle_ap(dict(type='CocoDataset', data_root=str(root), ann_file=ann, data_prefix=dict(img=prefix)),
                        dict(type='CocoMetric', ann_file=str(root / ann), score_mode='bbox', nms_mode='none'), refine)
    assert metrics['coco/AP'] >= 0.99


@pytest.mark.parametrize('config, folder, key', [('hg-tiny_mdn3_crowdpose-test.py', 'crowdpose_test', 'crowdpose/AP'),
                                                 ('hg-tiny_mdn3_aic-test.py', 'aic_test', 'coco/AP'),
                                                 ('hg-tiny_mdn3_ochuman-test3.py', 'ochuman_test3', 'coco/AP')])
def test_gt_oracle_on_each_keypoint_sets_config(config, folder, key):
    """The test set and metric of the CrowdPose (14 keypoints, keypoints_crowd), AI Challenger (14, another order)
    and OCHuman slice configs, each with its dataset's sigmas: the ground truth scores AP 1.0."""
    from mmengine.config import Config
    data_dir(folder)  # skips (or fails in CI) where the slice is absent
    cfg = Config.fromfile(ROOT / 'configs' / 'mdn' / config)
    dataset, metric = cfg.test_dataloader.dataset.to_dict(), cfg.test_evaluator.to_dict()
    dataset['data_root'], metric['ann_file'] = on_data(dataset['data_root']), on_data(metric['ann_file'])
    metrics = oracle_ap(dataset, metric, refine=True)
    assert metrics[key] == pytest.approx(1.0)
