"""The analyses at the ground-truth centres on a tiny model built through the registries: the components' rows and
the probe's features are the model's outputs read at centres computed here from the annotated boxes."""
import json

import cv2
import numpy as np
import pytest
import torch
from conftest import tiny_estimator_cfg
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from mmpose_mdn.models.utils import mdn_slices
from mmpose_mdn.viewpoint import centre_components, generate_viewpoint_scenes, viewpoint_probe
from mmpose_mdn.viewpoint.probe import centre_features


@pytest.fixture(scope='module')
def scenes(tmp_path_factory):
    root = tmp_path_factory.mktemp('scenes')
    for split, n in (('train', 6), ('val', 4)):
        generate_viewpoint_scenes(str(root), split, n, seed=3)
    return root


def tiny_model(num_components):
    init_default_scope('mmpose')
    torch.manual_seed(0)
    return MODELS.build(tiny_estimator_cfg(num_components)).eval()


def people_at_centres(model, scenes, split):
    """Per annotated front/back person: the annotation, the model's features (list per stack) and its box centre
    (x, y) on the 32 x 32 output map."""
    ann = json.loads((scenes / 'annotations' / f'viewpoint_{split}.json').read_text())
    files = {i['id']: i['file_name'] for i in ann['images']}
    for a in ann['annotations']:
        if a['viewpoint'] in ('front', 'back') and a['num_keypoints'] > 0:
            img = torch.from_numpy(cv2.imread(str(scenes / split / files[a['image_id']]))).permute(2, 0, 1)
            batch = model.data_preprocessor(dict(inputs=[img], data_samples=[PoseDataSample()]), False)
            with torch.no_grad():
                feats = model.extract_feat(batch['inputs'])
            x, y, w, h = a['bbox']
            box = np.clip(np.array([x, y, x + w, y + h]) / 4, 0, 31)
            yield a, feats, (int((box[0] + box[2]) / 2), int((box[1] + box[3]) / 2))


def test_rows_are_the_mixture_at_the_annotated_centres(scenes):
    model = tiny_model(2)
    rows = centre_components(model, str(scenes), 'val')
    people = list(people_at_centres(model, scenes, 'val'))
    assert len(rows) >= 3 and [r['view'] for r in rows] == [a['viewpoint'] for a, _, _ in people]  # all on the map
    where = mdn_slices(2, 17)
    for (a, feats, (cx, cy)), row in zip(people, rows):
        with torch.no_grad():
            at = model.head.forward(feats)[-1]['keypoint_offset'][0, :, cy, cx].numpy()
        logits = at[where['logits']]
        np.testing.assert_allclose(row['pi'], np.exp(logits) / np.exp(logits).sum(), rtol=1e-5)
        kpts = np.array(a['keypoints'], float).reshape(17, 3)
        on_map = (kpts[:, 2] > 0) & (kpts[:, :2] >= 0).all(1) & (kpts[:, :2] < 128).all(1)
        target = kpts[:, :2] / 4 - (cx, cy)
        means = at[where['means']].reshape(2, 17, 2)
        np.testing.assert_allclose(row['error'], [np.mean([np.hypot(*(m[k] - target[k])) for k in np.flatnonzero(
            on_map)]) for m in means], rtol=1e-4)


def test_components_need_a_mixture(scenes):
    for m in (None, 1):
        with pytest.raises(ValueError, match='>= 2 components'):
            centre_components(tiny_model(m), str(scenes), 'val')


def test_probe_reads_the_backbone_and_the_offset_branch_at_the_centres(scenes):
    model = tiny_model(2)
    backbone, branch, back = centre_features(model, str(scenes), 'train')
    people = list(people_at_centres(model, scenes, 'train'))
    assert backbone.shape == (len(people), 16) and branch.shape == (len(people), 16)
    np.testing.assert_array_equal(back, [a['viewpoint'] == 'back' for a, _, _ in people])
    for i, (_, feats, (cx, cy)) in enumerate(people):
        np.testing.assert_allclose(backbone[i], feats[-1][0, :, cy, cx])
        with torch.no_grad():
            np.testing.assert_allclose(branch[i], model.head.offset_features(feats)[0, :, cy, cx])
    probe = viewpoint_probe(model, str(scenes))
    assert probe['people'] == dict(train=len(people), val=len(list(people_at_centres(model, scenes, 'val'))))
    assert all(0 <= probe[f'{f}_{s}_acc'] <= 1 for f in ('backbone', 'offset_branch') for s in ('train', 'val'))
