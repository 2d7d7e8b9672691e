"""One scene: people and occluding objects on a cluttered background, and its COCO annotations read off the label
map.

Annotations follow COCO: visibility 2 (visible), 1 (labelled, occluded by a nearer part, person or object),
0 (outside the image, or an eye/nose on the far side of the head or hidden with the viewpoint cue: unlabelled,
stored as 0, 0, 0); ``bbox`` and ``area`` are the tight box and pixel count of the person's visible mask,
``segmentation`` its outer polygons. Extra fields per person: ``viewpoint`` ('front' | 'back' | 'side'), ``yaw``
(degrees) and, only where people may hide the viewpoint cue (``hidden_cue`` > 0), ``cue_visible`` (bool; absent:
visible).
"""
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmdet.structures.bbox import bbox_overlaps

from .body import L_EAR, L_EYE, NOSE, R_EAR, R_EYE, reverse_forward, sample_pose, sample_viewpoint
from .drawing import background, draw_part, polygons
from .person import Person


def draw_people(img: np.ndarray, people: Sequence[Person]) -> Tuple[np.ndarray, Dict[int, tuple]]:
    """Draw ``people`` in order (far to near) into ``img`` (H, W, 3), in place, and into a new label map (H, W)
    int32 of (person index + 1) * 64 + part index (0: background); returns it and the keypoints that the part of
    each label carries."""
    labels = np.zeros(img.shape[:2], np.int32)
    part_kps = {}
    for n, person in enumerate(people):
        for i, part in enumerate(person.parts()):
            label = (n + 1) * 64 + i
            part_kps[label] = part['keypoints']
            draw_part(img, labels, part, label, person)
    return labels, part_kps


def label_keypoints(person: Person, n: int, labels: np.ndarray, part_kps: Dict[int, tuple]) -> np.ndarray:
    """COCO keypoints (17, 3) (x, y, v) of person ``n`` of :func:`draw_people`'s label map (objects drawn over it
    as -1): v = 2 where the keypoint's pixel shows a part of the person carrying it (an ear: unless behind the
    head), 1 where something else covers it, 0 (and x = y = 0) outside the image or for an eye or nose that is
    not :meth:`Person.face_visible`: COCO annotators leave a face looking away unlabelled."""
    height, width = labels.shape
    kpts = np.zeros((17, 3))
    for k, (x, y) in enumerate(person.keypoints):
        xi, yi = int(np.floor(x)), int(np.floor(y))
        if not (0 <= x < width and 0 <= y < height):
            continue
        if k in (NOSE, L_EYE, R_EYE) and not person.face_visible(k):
            continue
        lab = labels[yi, xi]
        own = lab // 64 == n + 1 and k in part_kps.get(lab, ())
        behind_head = k in (L_EAR, R_EAR) and person.depth[k] < -0.03
        kpts[k] = (x, y, 2 if own and not behind_head else 1)
    return kpts


def sample_person(rng: np.random.Generator, cue_rng: np.random.Generator, size: int,
                  height_range: Tuple[float, float] = (0.45, 0.9), hidden_cue: float = 0.0) -> Tuple[Person, str]:
    """A person of a ``size`` image and its viewpoint: height (times ``size``, log-uniform in ``height_range``),
    position, viewpoint and yaw, pose, roll and colours from ``rng``; from ``cue_rng``, whether its viewpoint cue is
    hidden (probability ``hidden_cue``) and, if it is, whether its forward axis is reversed (probability 1/2,
    :func:`.body.reverse_forward`): the hidden person's pose P and its mirror Q(P) are then equally likely, and with
    the yaw's symmetry (front and back equally likely) its back view at θ + 180° as likely as Q's front view at θ,
    which renders the same pixels with left and right swapped. ``cue_rng`` draws both numbers for every person, so
    the people that hide the cue at one ``hidden_cue`` hide it, in the same pose, at every higher one."""
    h = float(np.exp(rng.uniform(*np.log(height_range)))) * size
    origin = (rng.uniform(0.08, 0.92) * size, rng.uniform(-0.05 * h, size - 0.6 * h))
    view, yaw = sample_viewpoint(rng)
    body = sample_pose(rng)
    cue_visible, reverse = bool(cue_rng.random() >= hidden_cue), bool(cue_rng.random() < 0.5)
    if reverse and not cue_visible:
        body = reverse_forward(body)
    return Person(body, yaw, h, origin, np.deg2rad(rng.uniform(-12, 12)), rng, cue_visible=cue_visible), view


def render_scene(rng: np.random.Generator, size: int = 128, max_people: int = 3,
                 height_range: Tuple[float, float] = (0.45, 0.9), occluder_prob: float = 0.3,
                 hidden_cue: float = 0.0) -> Tuple[np.ndarray, List[dict]]:
    """One image (size, size, 3) BGR uint8 and its people as COCO annotation dicts (without ids).

    1..``max_people`` people of height ``height_range`` (times ``size``, log-uniform), head-top and pelvis
    inside the image, amodal boxes overlapping by IoU < 0.3, drawn far (small) to near (large); then, with
    ``occluder_prob`` per person, an object in front covering part of that person. With probability
    ``hidden_cue`` a person's viewpoint cue is hidden (:mod:`.person`, :func:`sample_person`): drawn from a stream
    spawned from ``rng`` (``rng.spawn``), so that ``rng``'s own draws are the same for every ``hidden_cue``, and
    raising it hides the cue of more of the same people.
    """
    if not 0 <= hidden_cue <= 1:
        raise ValueError(f'hidden_cue is a probability in [0, 1], got {hidden_cue}')
    cue_rng = rng.spawn(1)[0]
    img = background(rng, size)
    people = []
    for _ in range(int(rng.integers(1, max_people + 1))):
        for _try in range(20):
            person, view = sample_person(rng, cue_rng, size, height_range, hidden_cue)
            h = person.height
            box = np.r_[person.keypoints.min(0), person.keypoints.max(0)] + [-0.07 * h, -0.07 * h, 0.07 * h, 0]
            if all(bbox_overlaps(torch.from_numpy(box[None]), torch.from_numpy(b[None])).item() < 0.3
                   for _, _, b in people):
                people.append((person, view, box))
                break
    people.sort(key=lambda p: p[0].height)

    labels, part_kps = draw_people(img, [person for person, _, _ in people])
    for person, _, box in people:
        if rng.random() < occluder_prob:
            w, hh = rng.uniform(0.2, 0.5) * (box[2] - box[0] + 1), rng.uniform(0.1, 0.3) * person.height
            centre = (rng.uniform(box[0], box[2]), rng.uniform(box[1] + 0.2 * person.height, box[3]))
            box = (centre, (w, hh), float(rng.uniform(0, 180)))
            part = (dict(kind='ellipse', box=box) if rng.random() < 0.5 else
                    dict(kind='poly', pts=cv2.boxPoints(box).astype(np.float64)))
            part['color'] = rng.integers(0, 256, 3)
            draw_part(img, labels, part, -1, None)
    noise = rng.normal(0, rng.uniform(1, 5), img.shape)
    img = np.clip(cv2.GaussianBlur(img, (3, 3), rng.uniform(0.3, 0.8)) + noise, 0, 255).astype(np.uint8)

    anns = []
    for n, (person, view, _) in enumerate(people):
        mask = labels // 64 == n + 1
        if not mask.any():
            continue
        kpts = label_keypoints(person, n, labels, part_kps)
        ys, xs = np.nonzero(mask)
        x0, y0 = float(xs.min()), float(ys.min())
        anns.append(dict(
            keypoints=np.round(kpts, 2).reshape(-1).tolist(), num_keypoints=int((kpts[:, 2] > 0).sum()),
            bbox=[x0, y0, float(xs.max() + 1) - x0, float(ys.max() + 1) - y0], area=float(mask.sum()),
            segmentation=polygons(mask), iscrowd=0, category_id=1, viewpoint=view,
            yaw=round(float(np.degrees(person.yaw)), 2)))
        if hidden_cue > 0:
            anns[-1]['cue_visible'] = person.cue_visible
    return img, anns
