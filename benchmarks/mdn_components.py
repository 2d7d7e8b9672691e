"""What the components of a trained MDN head do at the annotated people of a viewpoint-scene split.

At each front/back person's centre pixel, against the keypoint offsets that training targets there (both from
``CenterNetPose.encode``), it reads the head's raw mixture and reports: the largest π (median), the mean π of
front and of back people (does π depend on the viewpoint?), the mean distance between the components' keypoint
means (copies, or different poses?), and the mean keypoint error of the chosen (largest-π) and of the best
("oracle") component, in output pixels, and how often the oracle and the chosen component are the one of the
person's viewpoint (best one-to-one assignment): the first says whether the components *are* the viewpoints, the
second whether π picks them. The mean distance between a person's keypoints and their left/right mirror is printed
for scale::

    python benchmarks/mdn_components.py configs/viewpoint/hg-tiny_mdn3_viewpoint.py \\
        work_dirs/viewpoint_benchmark/seed1/MDN3/epoch_20.pth work_dirs/viewpoint_benchmark/data/seed1 [--out x.json]
"""
import argparse
import json

import numpy as np
import torch
from mmpose.apis import init_model
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from mmpose_mdn.evaluation import assignment_agreement, component_counts
from mmpose_mdn.models.utils.mdn import mdn_parameters
from mmpose_mdn.viewpoint import front_back_people

FLIP = parse_pose_metainfo(CocoDataset.METAINFO)['flip_indices']


def person_rows(model, data_root: str, split: str) -> list:
    """Per front/back person with keypoints: viewpoint, π (M,), per-component error (M,), component spread and
    mirror distance, all at the person's ground-truth centre pixel."""
    head = model.head
    if not head.is_mdn or head.num_components < 2:
        raise ValueError('mdn_components.py needs an MDN head with >= 2 components')
    M, K = head.num_components, head.num_keypoints
    rows = []
    for inputs, people in front_back_people(model, data_root, split):
        with torch.no_grad():
            raw = head.forward(model.extract_feat(inputs))[-1]['keypoint_offset'][0]  # (C, H, W)
        for a, target in people:
            means, _, log_pi = mdn_parameters(raw.flatten(1)[:, target['centre_indices'][0]][None], M, K,
                                              head.min_sigma)
            means, pi = means[0].numpy(), log_pi[0].exp().numpy()
            offsets, vis = target['keypoint_offsets'][0], target['keypoint_weights'][0] > 0
            pairs = vis & vis[FLIP]
            rows.append(dict(
                view=a['viewpoint'], pi=pi,
                error=np.array([np.linalg.norm(means[m, vis] - offsets[vis], axis=1).mean() for m in range(M)]),
                spread=np.mean([np.linalg.norm(means[i] - means[j], axis=1).mean()
                                for i in range(M) for j in range(i + 1, M)]),
                mirror=np.linalg.norm(offsets[pairs] - offsets[FLIP][pairs], axis=1).mean() if pairs.any() else
                np.nan))
    return rows


def summarise(rows: list) -> dict:
    if not rows:
        raise ValueError('no front or back person with keypoints in the split')
    pi = np.array([r['pi'] for r in rows])
    error = np.array([r['error'] for r in rows])
    chosen = error[np.arange(len(rows)), pi.argmax(1)]
    views = np.array([r['view'] for r in rows])
    return {
        'people': len(rows),
        'median_largest_pi': float(np.median(pi.max(1))),
        'mean_pi_front': pi[views == 'front'].mean(0).round(3).tolist(),
        'mean_pi_back': pi[views == 'back'].mean(0).round(3).tolist(),
        'component_spread_px': float(np.mean([r['spread'] for r in rows])),
        'mirror_distance_px': float(np.nanmean([r['mirror'] for r in rows])),
        'chosen_error_px': float(chosen.mean()),
        'oracle_error_px': float(error.min(1).mean()),
        'oracle_differs': float((error.argmin(1) != pi.argmax(1)).mean()),
        # are the components the viewpoints? the oracle component against the annotated viewpoint, and the
        # largest-pi one, each under its best one-to-one assignment of components to front/back
        'oracle_agreement': component_agreement(views, error.argmin(1), pi.shape[1]),
        'chosen_agreement': component_agreement(views, pi.argmax(1), pi.shape[1]),
    }


def component_agreement(views: np.ndarray, comps: np.ndarray, M: int) -> float:
    """:func:`assignment_agreement` of (front/back people x components) counts."""
    return assignment_agreement(component_counts((views == 'back').astype(int), comps, 2, M))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('data_root', help='a viewpoint-scene root (annotations/ and <split>/)')
    parser.add_argument('--split', default='val')
    parser.add_argument('--out', help='also write the summary as json here')
    args = parser.parse_args()
    model = init_model(args.config, args.checkpoint, device='cpu')  # another model's checkpoint fails
    summary = summarise(person_rows(model, args.data_root, args.split))
    print(json.dumps(summary, indent=1))
    if args.out:
        json.dump(summary, open(args.out, 'w'), indent=1)


if __name__ == '__main__':
    main()
