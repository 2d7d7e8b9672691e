"""The annotated front and back people of a viewpoint-scene split as a trained model sees them: the preprocessed
image and, per person, the training targets at its centre pixel (for analyses at the ground-truth centres)."""
import json
import os.path as osp
from typing import Iterator, List, Tuple

import cv2
import numpy as np
import torch
from mmpose.structures import PoseDataSample
from torch import Tensor


def front_back_people(model, data_root: str, split: str) -> Iterator[Tuple[Tensor, List[Tuple[dict, dict]]]]:
    """Per image with front/back people: the model's input (1, 3, H, W) from its own data preprocessor, and per
    person with a regression target its annotation and ``model.head.decoder.encode``'s targets (``centre_indices``
    (1,), ``keypoint_offsets`` (1, K, 2), ``keypoint_weights`` (1, K), ...), exactly as training targets them.

    The images must be the model's input size (the scenes are written at it), so centres need no test-time resize.
    """
    decoder = model.head.decoder
    ann = json.load(open(osp.join(data_root, 'annotations', f'viewpoint_{split}.json')))
    people = {}
    for a in ann['annotations']:
        if a.get('viewpoint') in ('front', 'back') and a['num_keypoints'] > 0:
            people.setdefault(a['image_id'], []).append(a)
    for image in ann['images']:
        if image['id'] not in people:
            continue
        path = osp.join(data_root, split, image['file_name'])
        img = cv2.imread(path)
        if img is None:
            raise FileNotFoundError(f'cannot read {path}')
        if (img.shape[1], img.shape[0]) != tuple(decoder.input_size):
            raise ValueError(f'{path} is {img.shape[1]}x{img.shape[0]}, the model input {decoder.input_size}: '
                             'centres would need the test-time resize')
        batch = model.data_preprocessor(
            dict(inputs=[torch.from_numpy(img).permute(2, 0, 1)], data_samples=[PoseDataSample()]), False)
        targets = []
        for a in people[image['id']]:
            kpts = np.asarray(a['keypoints'], dtype=np.float32).reshape(1, -1, 3)
            x, y, w, h = a['bbox']
            target = decoder.encode(kpts[..., :2], kpts[..., 2], np.array([[x, y, x + w, y + h]], np.float32))
            if len(target['centre_indices']):  # else no keypoint on the map: no regression target in training
                targets.append((a, target))
        yield batch['inputs'], targets
