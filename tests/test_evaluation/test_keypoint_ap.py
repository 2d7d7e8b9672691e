"""KeypointAP (keypoint groups, people subsets) against xtcocotools run directly on sliced json files; real data."""
import copy
import json

import numpy as np
import pytest
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from conftest import SETS, data_dir, xtcocotools_stats
from mmpose_mdn.evaluation import (KEYPOINT_GROUPS, STATS, KeypointAP, KeypointResults, MDNAnalysis,
                                   group_keypoint_ids, load_keypoint_annotations)

META = parse_pose_metainfo(CocoDataset.METAINFO)
SIGMAS = META['sigmas']
GROUPS = group_keypoint_ids(META['keypoint_name2id'])


def ann_file(name):
    folder, ann, _ = SETS[name]
    return str(data_dir(folder) / ann)


def coco_test4_preds():
    return json.loads((data_dir('coco_test4_preds') / 'example_coco_preds.json').read_text())


def sliced(gt: dict, results: list, ids: list):
    """The group's keypoints only, in a copy of the ground truth (num_keypoints recounted) and the results."""
    gt = copy.deepcopy(gt)
    for a in gt['annotations']:
        k = np.array(a['keypoints']).reshape(-1, 3)[ids]
        a['keypoints'], a['num_keypoints'] = k.reshape(-1).tolist(), int((k[:, 2] > 0).sum())
    res = [dict(r, keypoints=np.array(r['keypoints']).reshape(-1, 3)[ids].reshape(-1).tolist()) for r in results]
    return gt, res


def test_all_keypoints_reproduce_the_reference_ap():
    """The 73 real predictions on coco_test4: ../shared/data/README.md's figures (xtcocotools 1.14.3)."""
    path = ann_file('coco_test4')
    ap = KeypointAP(load_keypoint_annotations(path), SIGMAS, META['keypoint_name2id'], ann_file=path)
    stats = ap.evaluate(KeypointResults.from_coco(coco_test4_preds(), 17), GROUPS['All'])
    reference = dict(AP=0.8609, AP50=0.9931, AP75=0.9109, APm=0.7756, APl=0.9373, AR=0.875)
    assert {k: round(stats[k], 4) for k in reference} == reference


@pytest.mark.parametrize('group', ['Facial', 'Non-facial', 'Nose', 'Wrists', 'Ankles'])
def test_group_ap_equals_xtcocotools_on_sliced_files(group, tmp_path):
    path = ann_file('coco_test4')
    gt, preds = json.loads(open(path).read()), coco_test4_preds()
    ap = KeypointAP(load_keypoint_annotations(path), SIGMAS, META['keypoint_name2id'], ann_file=path)
    stats = ap.evaluate(KeypointResults.from_coco(preds, 17), GROUPS[group])
    ids = [META['keypoint_name2id'][n] for n in KEYPOINT_GROUPS[group]]
    reference = xtcocotools_stats(*sliced(gt, preds, ids), SIGMAS[ids], tmp_path)
    assert [stats[k] for k in STATS] == pytest.approx(reference, nan_ok=True)
    assert stats['AP'] != pytest.approx(ap.evaluate(KeypointResults.from_coco(preds, 17))['AP'])  # not All's


def test_images_without_people_crowd_regions_and_repeated_evaluation(tmp_path):
    """coco_mini val: 40 of its 79 images have nobody, one image a crowd region. The ground truth as prediction
    plus a confident false positive on a people-free image and one inside the crowd region: the first costs AP,
    the second nothing (xtcocotools on the files agrees); evaluating again, in another order, repeats the numbers."""
    path = ann_file('coco_mini')
    gt = json.loads(open(path).read())
    people = [a for a in gt['annotations'] if a['num_keypoints'] > 0 and not a['iscrowd']]
    crowd = next(a for a in gt['annotations'] if a['iscrowd'])
    empty = sorted({i['id'] for i in gt['images']} - {a['image_id'] for a in gt['annotations']})
    assert len(empty) == 40
    preds = [dict(image_id=a['image_id'], category_id=1, keypoints=a['keypoints'], score=0.5) for a in people]
    x, y, w, h = crowd['bbox']
    in_crowd = np.tile([x + w / 2, y + h / 2, 1.0], 17).tolist()
    analysis = MDNAnalysis(path, progress=False)

    def ap(results, group='All'):
        return analysis.ap.evaluate(KeypointResults.from_coco(results, 17), GROUPS[group])['AP']

    fp_empty = dict(image_id=empty[0], category_id=1, keypoints=people[0]['keypoints'], score=0.9)
    fp_crowd = dict(image_id=crowd['image_id'], category_id=1, keypoints=in_crowd, score=0.9)
    assert ap(preds) == 1.0
    assert ap(preds + [fp_crowd]) == 1.0
    with_fp = ap(preds + [fp_empty, fp_crowd])
    assert with_fp < 0.99 and with_fp == pytest.approx(
        xtcocotools_stats(gt, copy.deepcopy(preds + [fp_empty, fp_crowd]), SIGMAS, tmp_path)[0])
    first = [ap(preds + [fp_empty], g) for g in GROUPS]
    assert [ap(preds + [fp_empty], g) for g in reversed(GROUPS)][::-1] == first
    assert json.loads(open(path).read()) == gt  # the file's annotations are never edited


def test_subsets_ignore_the_people_outside():
    """The ground truth of the visible-face people only as predictions: the visible-face subset is perfect, the
    occluded-face subset has nothing found, All misses the rest. Visible keypoints only: the visible-keypoints
    subset is perfect, occluded keypoints (all at (0, 0)) score nothing."""
    path = ann_file('coco_mini')
    analysis = MDNAnalysis(path, progress=False)
    data, kpts = analysis.data, analysis.ap.keypoints
    person = np.array([not a['iscrowd'] for a in data['annotations']]) & (kpts[..., 2] > 0).any(-1)
    n_annotated = (kpts[..., 2] > 0).sum(-1)
    visible_face = person & (n_annotated >= 5) & (kpts[:, 0, 2] == 2)
    occluded_face = person & (n_annotated >= 5) & (kpts[:, 0, 2] != 2)
    assert visible_face.sum() == 36 and occluded_face.sum() == 21
    ids = np.array([a['image_id'] for a in data['annotations']])
    ones = np.ones(len(kpts))

    def stats(rows, keypoints, subset):
        k = np.concatenate([keypoints, np.ones_like(keypoints[..., :1])], -1)
        return analysis.ap.evaluate(KeypointResults(ids[rows], k[rows], ones[rows]), subset=subset)

    xy = kpts[..., :2]
    assert stats(visible_face, xy, 'visible_face')['AP'] == 1.0
    assert stats(visible_face, xy, 'occluded_face')['AR'] == 0.0
    assert stats(visible_face, xy, 'all')['AR'] < 0.9
    only_visible = np.where(kpts[..., 2:] == 2, xy, 0)
    assert stats(person, only_visible, 'visible_keypoints')['AP'] == 1.0
    assert stats(person, only_visible, 'occluded_keypoints')['AP'] < 0.2


def test_bad_annotation_files_name_the_file(tmp_path):
    missing = tmp_path / 'nowhere.json'
    with pytest.raises(FileNotFoundError, match=str(missing)):
        load_keypoint_annotations(str(missing))
    boxes = tmp_path / 'instances.json'
    boxes.write_text(json.dumps(dict(images=[dict(id=1)], annotations=[dict(id=1, image_id=1, bbox=[0, 0, 1, 1])],
                                     categories=[dict(id=1, name='person')])))
    with pytest.raises(ValueError, match=f'{boxes} has no person keypoints'):
        load_keypoint_annotations(str(boxes))
    path = ann_file('coco_test4')
    ap = KeypointAP(load_keypoint_annotations(path), SIGMAS, META['keypoint_name2id'], ann_file=path)
    with pytest.raises(ValueError, match=f'not in {path}'):
        ap.evaluate(KeypointResults([123456789], np.zeros((1, 17, 3)), [1.0]))


def test_more_people_than_cocoeval_counts_per_image(tmp_path):
    """COCOeval counts the 20 best-scored predictions of an image; KeypointAP hands it only those (ties kept in
    result order): the 73 predictions twice over, the copies shifted 3 px with the same or a lower score."""
    path = ann_file('coco_test4')
    preds = coco_test4_preds()
    shifted = [dict(r, keypoints=(np.array(r['keypoints']) + np.tile([3, 0, 0], 17)).tolist(),
                    score=r['score'] * (i % 2)) for i, r in enumerate(preds)]
    results = [dict(r) for pair in zip(preds, shifted) for r in pair]
    assert max(np.unique([r['image_id'] for r in results], return_counts=True)[1]) > 40
    ap = KeypointAP(load_keypoint_annotations(path), SIGMAS, META['keypoint_name2id'], ann_file=path)
    stats = ap.evaluate(KeypointResults.from_coco(results, 17))
    assert [stats[k] for k in STATS] == pytest.approx(xtcocotools_stats(json.loads(open(path).read()), results,
                                                                        SIGMAS, tmp_path))
