"""GT displacement: exact at 0 px, falling with the distance, and equal to xtcocotools on coco_mini val."""
import copy
import json

import numpy as np
import pytest

from conftest import SETS, data_dir, xtcocotools_stats
from mmpose_mdn.evaluation import KEYPOINT_GROUPS, MDNAnalysis


def test_zero_displacement_is_perfect_and_ap_falls_with_distance():
    analysis = MDNAnalysis(str(data_dir('coco_mini') / SETS['coco_mini'][1]), displacements=(0, 1, 2, 3),
                           seeds=(0, 1), progress=False)
    moved = analysis.gt_displacement()
    assert list(moved) == ['0px', '1px', '2px', '3px'] and list(moved['0px']) == list(KEYPOINT_GROUPS)
    assert all(ap == 1.0 for ap in moved['0px'].values())
    for group in KEYPOINT_GROUPS:
        aps = [moved[d][group] for d in moved]
        assert all(a >= b for a, b in zip(aps, aps[1:])), (group, aps)
    for group in ('All', 'Facial', 'Nose', 'Wrists'):
        assert moved['3px'][group] < moved['1px'][group], group
    # the face's small sigmas make it the most sensitive to a pixel
    assert moved['2px']['Facial'] < moved['2px']['Non-facial']


@pytest.mark.parametrize('group', ['All', 'Eyes'])
def test_displacement_matches_xtcocotools(group, tmp_path):
    """Each non-crowd person with an annotated keypoint in the group, every keypoint moved 2 px in the direction
    drawn for it (``np.random.default_rng(seed).uniform(0, 2 pi)`` per annotation and keypoint, in file order), as
    a prediction of score 1; mean AP over seeds 0 and 1."""
    path = data_dir('coco_mini') / SETS['coco_mini'][1]
    analysis = MDNAnalysis(str(path), displacements=(2, ), seeds=(0, 1), progress=False)
    gt = json.loads(path.read_text())
    names = list(KEYPOINT_GROUPS['All'])
    ids = [names.index(n) for n in KEYPOINT_GROUPS[group]]
    sigmas = analysis.ap.sigmas[ids]
    aps = []
    for seed in (0, 1):
        angles = np.random.default_rng(seed).uniform(0, 2 * np.pi, (len(gt['annotations']), 17))
        results = []
        for a, angle in zip(gt['annotations'], angles):
            k = np.array(a['keypoints'], dtype=np.float64).reshape(17, 3)
            if a['iscrowd'] or not (k[ids, 2] > 0).any():
                continue
            x, y = k[ids, 0] + 2 * np.cos(angle[ids]), k[ids, 1] + 2 * np.sin(angle[ids])
            results.append(dict(image_id=a['image_id'], category_id=1, score=1.0,
                                keypoints=np.stack([x, y, np.ones(len(ids))], 1).reshape(-1).tolist()))
        sliced = copy.deepcopy(gt)
        for a in sliced['annotations']:
            a['keypoints'] = np.array(a['keypoints']).reshape(17, 3)[ids].reshape(-1).tolist()
        aps.append(xtcocotools_stats(sliced, results, sigmas, tmp_path)[0])
    assert analysis.gt_displacement()['2px'][group] == pytest.approx(np.mean(aps))
    assert 0.5 < np.mean(aps) < 1.0  # a displacement the group's AP feels
