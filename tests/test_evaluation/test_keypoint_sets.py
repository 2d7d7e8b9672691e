"""The analyses on datasets without COCO's keypoints: CrowdPose's and AI Challenger's 14 (no face, AIC in another
order, no ``area`` in either file). Keypoint groups are the ones the dataset has, found by name; the face subsets
and face statistics are skipped with a note; ground truth as the chosen component scores AP 1.0 in every group."""
import json

import numpy as np
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from conftest import data_dir
from mmpose_mdn.evaluation import MDNAnalysis, Predictions, group_keypoint_ids, write_report

M = 2
SLICES = dict(crowdpose=('crowdpose_test', 'test_crowdpose.json', 'configs/_base_/datasets/crowdpose.py'),
              aic=('aic_test', 'test_aic.json', 'configs/_base_/datasets/aic.py'))


def gt_samples(data: dict, K: int, seed: int = 0):
    """Per annotated person an MDN prediction whose chosen component is the annotation (its unlabelled keypoints at
    the box centre, where a model would put them: a group's AP then ignores the prediction of a person without
    that group, as COCOeval ignores the person) and whose other component is 6 px off."""
    rng = np.random.default_rng(seed)
    by_image = {}
    for a in data['annotations']:
        if a.get('iscrowd') or not a['num_keypoints']:
            continue
        k = np.array(a['keypoints'], dtype=np.float64).reshape(K, 3)
        x, y, w, h = a['bbox']
        k = np.where(k[:, 2:] > 0, k[:, :2], [x + w / 2, y + h / 2])
        ck = np.stack([k, k + rng.choice([-6.0, 6.0], (K, 2))])
        by_image.setdefault(a['image_id'], []).append(dict(
            keypoints=k, keypoint_scores=np.ones(K), bbox_scores=rng.uniform(0.5, 1.0), components=0,
            mixture_probs=np.array([0.8, 0.2]), component_keypoints=ck, component_keypoint_scores=np.ones((M, K)),
            sigmas=np.array([8.0, 8.0])))
    return [dict(img_id=i, pred_instances={f: np.array([p[f] for p in ps]) for f in ps[0]})
            for i, ps in by_image.items()]


@pytest.mark.parametrize('name', list(SLICES))
def test_analysis_of_a_dataset_without_a_face(name, tmp_path):
    folder, ann, meta_file = SLICES[name]
    ann_file = str(data_dir(folder) / ann)
    meta = parse_pose_metainfo(dict(from_file=meta_file))
    data = json.loads(open(ann_file).read())
    assert not any('area' in a for a in data['annotations'])  # the OKS area comes from the box (use_area=False)
    groups = group_keypoint_ids(meta['keypoint_name2id'])
    assert list(groups) == ['All', 'Non-facial', 'Shoulders', 'Elbows', 'Wrists', 'Hips', 'Knees', 'Ankles']
    assert groups['All'] == list(range(14))
    names = meta['keypoint_id2name']
    assert [names[i] for i in groups['Shoulders']] == ['left_shoulder', 'right_shoulder']  # by name, any order
    analysis = MDNAnalysis(ann_file, meta, use_area=False, displacements=(2, ), seeds=(0, ), progress=False)
    out = analysis.run(Predictions.from_samples(gt_samples(data, 14)))
    assert out['keypoint_groups']['model'] == {g: pytest.approx(1.0) for g in groups}
    assert all(list(subsets) == ['all', 'visible_keypoints', 'occluded_keypoints']
               for subsets in out['ablations'].values())
    assert out['ablations']['keep C1']['all']['AP'] < 1.0  # the 6-px component, scored with the dataset's sigmas
    comps = out['components']
    assert comps['note'] == 'face subsets skipped: the dataset has no nose keypoint' and 'gt_face' not in comps
    assert out['calibration']['before']['matched'] == out['people']
    write_report(out, str(tmp_path))
    report = (tmp_path / 'report.md').read_text()
    assert 'Visible face' not in report and '(face subsets skipped: the dataset has no nose keypoint)' in report
