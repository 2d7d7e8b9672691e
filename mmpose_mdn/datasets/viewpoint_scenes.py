"""Synthetic two-viewpoint scenes: articulated people seen from the front, the back or the side, in COCO format.

A person is a 3D stick figure in body coordinates ``(u, y, z)`` in units of its height ``h``: ``u`` towards the
person's own left, ``y`` down, ``z`` forward. Seen under yaw ``θ`` (0: facing the camera) it projects to

.. math::
    X = u\\cos\\theta + z\\sin\\theta, \\qquad D = z\\cos\\theta - u\\sin\\theta \\quad(\\text{towards the camera})

so a front view (θ ≈ 0) shows the person's left keypoints on the image's right and a back view (θ ≈ 180°)
mirrors them, while keypoint labels stay the person's own left/right (COCO's convention). Front and back views
share torso, limbs and colours; only the head differs (face marks on a skin oval from the front, hair from the
back), so the viewpoint is not visible at the person-centre pixel where the offsets are regressed (a network
still reaches the head through its receptive field: see ``benchmarks/viewpoint.md``). Hands and elbow/knee shading
make the joints of a uniformly coloured limb locatable.

Annotations follow COCO: visibility 2 (visible), 1 (labelled, occluded by a nearer part, person or object),
0 (outside the image, or an eye/nose on the far side of the head: unlabelled, stored as 0, 0, 0); ``bbox`` and
``area`` are the tight box and pixel count of the person's visible mask, ``segmentation`` its outer polygons.
Extra fields per person: ``viewpoint`` ('front' | 'back' | 'side') and ``yaw`` (degrees).
Files depend only on (seed, split, index): the same seed gives identical files.
"""
import json
import os
import os.path as osp
import threading
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
import torch
from mmdet.structures.bbox import bbox_overlaps
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

VIEWPOINTS = ('front', 'back', 'side')
# share of people per viewpoint, and the yaw range (degrees) each is drawn from: centre ± half-width
VIEW_SHARES = (0.42, 0.42, 0.16)
VIEW_YAW = dict(front=(0., 35.), back=(180., 35.), side=(90., 20.))  # side: ±90°, the sign drawn at random

# the 17 COCO keypoints; the person's left has u > 0
NOSE, L_EYE, R_EYE, L_EAR, R_EAR, L_SHO, R_SHO, L_ELB, R_ELB, L_WRI, R_WRI, L_HIP, R_HIP, L_KNE, R_KNE, L_ANK, \
    R_ANK = range(17)
HEAD_Y, HEAD_R = 0.07, 0.065  # head centre and radius (units of h, y from the top of the head)
SHOULDER = (0.12, 0.19)  # (|u|, y)
HIP = (0.075, 0.52)
LIMB_LEN = dict(upper_arm=0.17, forearm=0.15, thigh=0.24, shin=0.23)
# limb thickness (units of h) and the keypoints the limb joins
LIMBS = dict(upper_arm=(0.06, ((L_SHO, L_ELB), (R_SHO, R_ELB))),
             forearm=(0.05, ((L_ELB, L_WRI), (R_ELB, R_WRI))),
             thigh=(0.085, ((L_HIP, L_KNE), (R_HIP, R_KNE))),
             shin=(0.07, ((L_KNE, L_ANK), (R_KNE, R_ANK))))
JOINT_MARKS = (L_ELB, R_ELB, L_KNE, R_KNE)  # a darker disc (a joint's shading) on the limb's colour
FACE_KEYPOINTS = (NOSE, L_EYE, R_EYE, L_EAR, R_EAR)

SKIN = ((170, 196, 224), (120, 152, 189), (66, 98, 141), (40, 62, 96), (190, 208, 232))  # BGR
HAIR = ((20, 20, 25), (30, 45, 70), (40, 60, 100), (40, 40, 40), (25, 35, 90))  # dark: unlike the face


def _direction(abduction: float, flexion: float, side: float) -> np.ndarray:
    """Unit limb direction (u, y, z) from its sideways (abduction) and forward (flexion) angle in radians;
    ``side`` = +1 for a left limb, -1 for a right one. (0, 0) hangs straight down."""
    return np.array([side * np.sin(abduction), np.cos(abduction) * np.cos(flexion),
                     np.cos(abduction) * np.sin(flexion)])


def sample_pose(rng: np.random.Generator) -> np.ndarray:
    """Body-frame keypoints (17, 3) as (u, y, z) in units of the height, with random, asymmetric limbs."""
    k = np.zeros((17, 3))
    k[NOSE] = (0, HEAD_Y + 0.015, 0.06)
    k[[L_EYE, R_EYE]] = [(0.025, HEAD_Y - 0.01, 0.05), (-0.025, HEAD_Y - 0.01, 0.05)]
    k[[L_EAR, R_EAR]] = [(0.062, HEAD_Y + 0.005, 0.0), (-0.062, HEAD_Y + 0.005, 0.0)]
    deg = np.deg2rad
    for side, (sho, elb, wri) in ((1., (L_SHO, L_ELB, L_WRI)), (-1., (R_SHO, R_ELB, R_WRI))):
        k[sho] = (side * SHOULDER[0], SHOULDER[1], 0)
        abd, flex = deg(rng.uniform(-5, 150)), deg(rng.uniform(-40, 80))
        k[elb] = k[sho] + LIMB_LEN['upper_arm'] * _direction(abd, flex, side)
        k[wri] = k[elb] + LIMB_LEN['forearm'] * _direction(abd + deg(rng.uniform(-30, 40)),
                                                            flex + deg(rng.uniform(0, 110)), side)
    for side, (hip, kne, ank) in ((1., (L_HIP, L_KNE, L_ANK)), (-1., (R_HIP, R_KNE, R_ANK))):
        k[hip] = (side * HIP[0], HIP[1], 0)
        abd, flex = deg(rng.uniform(-5, 30)), deg(rng.uniform(-25, 60))
        k[kne] = k[hip] + LIMB_LEN['thigh'] * _direction(abd, flex, side)
        k[ank] = k[kne] + LIMB_LEN['shin'] * _direction(abd + deg(rng.uniform(-10, 10)),
                                                         flex - deg(rng.uniform(0, 90)), side)
    return k


def sample_viewpoint(rng: np.random.Generator) -> Tuple[str, float]:
    """A viewpoint by :data:`VIEW_SHARES` and its yaw in degrees."""
    view = VIEWPOINTS[rng.choice(len(VIEWPOINTS), p=VIEW_SHARES)]
    centre, half = VIEW_YAW[view]
    if view == 'side':
        centre *= rng.choice((-1, 1))
    return view, float(centre + rng.uniform(-half, half))


class Person:
    """One person in the image: projected keypoints (17, 2) in pixels, their depths and the appearance.

    Args:
        body (np.ndarray): (17, 3) body-frame keypoints from :func:`sample_pose`
        yaw (float): degrees; height (float): pixels; origin (tuple): image position of the top of the head
        roll (float): in-plane rotation (radians) about the pelvis; rng: draws the colours
    """

    def __init__(self, body: np.ndarray, yaw: float, height: float, origin: Tuple[float, float], roll: float,
                 rng: np.random.Generator):
        self.yaw = np.deg2rad(yaw)
        self.height = height
        self.origin = np.asarray(origin, dtype=np.float64)
        cr, sr = np.cos(roll), np.sin(roll)
        self.rot = np.array([[cr, -sr], [sr, cr]])
        self.keypoints, self.depth = self.project(body)
        self.skin = np.array(SKIN[rng.integers(len(SKIN))]) + rng.integers(-12, 13, 3)
        self.hair = np.array(HAIR[rng.integers(len(HAIR))]) + rng.integers(-10, 11, 3)
        self.shirt = rng.integers(30, 226, 3)
        self.trousers = rng.integers(20, 200, 3)
        self.long_sleeves = rng.random() < 0.5
        self.shorts = rng.random() < 0.4

    def project(self, body: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Body points (N, 3) (u, y, z) -> image pixels (N, 2) and depths D (N,) (units of h, + is nearer)."""
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        xy = np.stack([body[:, 0] * c + body[:, 2] * s, body[:, 1]], axis=1)
        return self.to_image(xy), body[:, 2] * c - body[:, 0] * s

    def to_image(self, xy: np.ndarray) -> np.ndarray:
        """Projected points (N, 2) (X, y in units of h) to pixels, rolled about the pelvis."""
        pelvis = np.array([0.0, HIP[1]])
        return ((xy - pelvis) @ self.rot.T + pelvis) * self.height + self.origin

    def face_visible(self, k: int) -> bool:
        """Whether eye or nose ``k`` faces the camera (the head centre has depth 0): unlabelled otherwise."""
        return self.depth[k] > (-0.025 if k == NOSE else -0.01)

    def parts(self) -> List[dict]:
        """Drawable parts, far to near: dicts of ``kind`` ('poly' | 'line' | 'disc' | 'head'), geometry in pixels,
        ``depth``, ``color`` and ``keypoints`` (those the part carries, for the occlusion test)."""
        h, c, s = self.height, np.cos(self.yaw), np.sin(self.yaw)
        k, d = self.keypoints, self.depth
        # torso: a box of half-width |u| and half-depth 0.06 seen under the yaw, same from the front and back
        corners = []
        for (hw, y), sign in (((SHOULDER[0], SHOULDER[1]), 1), ((SHOULDER[0], SHOULDER[1]), -1),
                              ((HIP[0] + 0.01, HIP[1] + 0.03), -1), ((HIP[0] + 0.01, HIP[1] + 0.03), 1)):
            corners.append((sign * (hw * abs(c) + 0.06 * abs(s)), y))
        parts = [dict(kind='poly', pts=self.to_image(np.array(corners)), depth=0.0, color=self.shirt,
                      keypoints=(L_SHO, R_SHO, L_HIP, R_HIP))]
        for name, (width, pairs) in LIMBS.items():
            color = dict(upper_arm=self.shirt, forearm=self.shirt if self.long_sleeves else self.skin,
                         thigh=self.trousers, shin=self.skin if self.shorts else self.trousers)[name]
            for a, b in pairs:
                parts.append(dict(kind='line', pts=k[[a, b]], width=width * h, depth=(d[a] + d[b]) / 2,
                                  color=color, keypoints=(a, b)))
                if a in JOINT_MARKS:
                    parts.append(dict(kind='disc', centre=k[a], radius=0.5 * width * h, depth=d[a] + 1e-3,
                                      color=color * 0.7, keypoints=(a, )))
        for wri in (L_WRI, R_WRI):
            parts.append(dict(kind='disc', centre=k[wri], radius=0.035 * h, depth=d[wri] + 1e-3, color=self.skin,
                              keypoints=(wri, )))
        for ank in (L_ANK, R_ANK):  # shoes point forward: a stub sideways in a side view, a blob otherwise
            toe = k[ank] + self.rot @ np.array([0.07 * s, 0.015]) * h
            parts.append(dict(kind='line', pts=np.stack([k[ank], toe]), width=0.055 * h, depth=d[ank] + 0.01,
                              color=self.trousers // 3, keypoints=(ank, )))
        parts.append(dict(kind='line', pts=self.to_image(np.array([[0, HEAD_Y + 0.04], [0, SHOULDER[1]]])),
                          width=0.05 * h, depth=0.0, color=self.skin, keypoints=()))  # neck
        parts.append(dict(kind='head', centre=self.to_image(np.array([[0.0, HEAD_Y]]))[0], radius=HEAD_R * h,
                          depth=0.0, color=self.hair, keypoints=FACE_KEYPOINTS))
        return sorted(parts, key=lambda p: p['depth'])  # stable: at equal depth limbs lie over the torso

    def draw_head(self, img: np.ndarray, centre: np.ndarray, radius: float) -> None:
        """Hair disc; unless seen from the back a skin oval shifted towards where the person looks, with the
        eyes, nose and mouth that face the camera."""
        h, c, s = self.height, np.cos(self.yaw), np.sin(self.yaw)
        _circle(img, centre, radius, self.hair)
        if c < -0.4:
            return
        face = centre + self.rot @ np.array([0.028 * s, 0.012]) * h
        axes = (max(1.0, radius * (0.45 + 0.4 * max(c, 0))), radius * 0.78)
        angle = np.degrees(np.arctan2(self.rot[1, 0], self.rot[0, 0]))
        cv2.ellipse(img, _fix(face), (int(axes[0] * 16), int(axes[1] * 16)), angle, 0, 360, _bgr(self.skin), -1,
                    cv2.LINE_AA, shift=4)
        for kp in (L_EYE, R_EYE):
            if self.face_visible(kp):
                _circle(img, self.keypoints[kp], max(0.9, 0.011 * h), self.hair // 2)
        if self.face_visible(NOSE):
            _circle(img, self.keypoints[NOSE], max(0.8, 0.009 * h), self.skin * 0.7)
            mouth, _ = self.project(np.array([[0.0, HEAD_Y + 0.04, 0.055]]))
            half = self.rot @ np.array([0.02 * max(c, 0.3), 0.0]) * h
            cv2.line(img, _fix(mouth[0] - half), _fix(mouth[0] + half), _bgr(self.skin * 0.55),
                     max(1, int(round(0.008 * h))), cv2.LINE_AA, shift=4)


def _fix(p) -> Tuple[int, int]:
    """A point in cv2's 4-bit fixed point (shift=4)."""
    return int(round(p[0] * 16)), int(round(p[1] * 16))


def _bgr(c) -> Tuple[int, int, int]:
    return tuple(int(v) for v in np.clip(c, 0, 255))


def _circle(img: np.ndarray, centre, radius: float, color, aa: bool = True) -> None:
    color = _bgr(color) if aa else (int(color), )
    cv2.circle(img, _fix(centre), int(round(radius * 16)), color, -1, cv2.LINE_AA if aa else cv2.LINE_8,
               shift=4)


def _draw_part(img: np.ndarray, labels: np.ndarray, part: dict, label: int, person: Optional[Person]) -> None:
    """Draw a part in colour (anti-aliased) and its label into the label map (same geometry, no blending)."""
    kind = part['kind']
    if kind == 'head':
        person.draw_head(img, part['centre'], part['radius'])
        _circle(labels, part['centre'], part['radius'], label, aa=False)
    elif kind == 'disc':
        _circle(img, part['centre'], part['radius'], part['color'])
        _circle(labels, part['centre'], part['radius'], label, aa=False)
    elif kind == 'line':
        w = max(1, int(round(part['width'])))
        a, b = part['pts']
        cv2.line(img, _fix(a), _fix(b), _bgr(part['color']), w, cv2.LINE_AA, shift=4)
        cv2.line(labels, _fix(a), _fix(b), (label, ), w, cv2.LINE_8, shift=4)
    elif kind == 'poly':
        pts = np.round(part['pts'] * 16).astype(np.int32)[None]
        cv2.fillPoly(img, pts, _bgr(part['color']), cv2.LINE_AA, shift=4)
        cv2.fillPoly(labels, pts, (label, ), cv2.LINE_8, shift=4)
    elif kind == 'ellipse':
        cv2.ellipse(img, part['box'], _bgr(part['color']), -1, cv2.LINE_AA)
        cv2.ellipse(labels, part['box'], (label, ), -1, cv2.LINE_8)


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A colour gradient with clutter: rectangles, discs, and stick-like bars in skin and clothing tones."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    c0, c1 = rng.integers(40, 220, 3), rng.integers(40, 220, 3)
    t = (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1))[..., None]
    t = (t - t.min()) / max(np.ptp(t), 1e-6)
    img = np.ascontiguousarray((c0 * (1 - t) + c1 * t).astype(np.uint8))
    for _ in range(rng.integers(3, 8)):
        color = _bgr(SKIN[rng.integers(len(SKIN))] if rng.random() < 0.25 else rng.integers(0, 256, 3))
        p = rng.uniform(0, size, 2)
        shape = rng.integers(3)
        if shape == 0:
            q = p + rng.uniform(-0.3, 0.3, 2) * size
            cv2.rectangle(img, _fix(p), _fix(q), color, -1, cv2.LINE_AA, shift=4)
        elif shape == 1:
            _circle(img, p, rng.uniform(0.03, 0.12) * size, color)
        else:
            q = p + rng.uniform(-0.25, 0.25, 2) * size
            cv2.line(img, _fix(p), _fix(q), color, int(rng.integers(2, 8)), cv2.LINE_AA, shift=4)
    return img


def _polygons(mask: np.ndarray) -> List[List[float]]:
    """Outer contours of a binary mask as COCO polygons (flat x, y lists with >= 3 points)."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return [c.reshape(-1).astype(float).tolist() for c in contours if len(c) >= 3]


def render_scene(rng: np.random.Generator, size: int = 128, max_people: int = 3,
                 height_range: Tuple[float, float] = (0.45, 0.9),
                 occluder_prob: float = 0.3) -> Tuple[np.ndarray, List[dict]]:
    """One image (size, size, 3) BGR uint8 and its people as COCO annotation dicts (without ids).

    1..``max_people`` people of height ``height_range`` (times ``size``, log-uniform), head-top and pelvis
    inside the image, amodal boxes overlapping by IoU < 0.3, drawn far (small) to near (large); then, with
    ``occluder_prob`` per person, an object in front covering part of that person.
    """
    img = _background(rng, size)
    people = []
    for _ in range(int(rng.integers(1, max_people + 1))):
        for _try in range(20):
            h = float(np.exp(rng.uniform(*np.log(height_range)))) * size
            origin = (rng.uniform(0.08, 0.92) * size, rng.uniform(-0.05 * h, size - 0.6 * h))
            view, yaw = sample_viewpoint(rng)
            person = Person(sample_pose(rng), yaw, h, origin, np.deg2rad(rng.uniform(-12, 12)), rng)
            box = np.r_[person.keypoints.min(0), person.keypoints.max(0)] + [-0.07 * h, -0.07 * h, 0.07 * h, 0]
            if all(bbox_overlaps(torch.from_numpy(box[None]), torch.from_numpy(b[None])).item() < 0.3
                   for _, _, b in people):
                people.append((person, view, box))
                break
    people.sort(key=lambda p: p[0].height)

    labels = np.zeros((size, size), np.int32)  # (person index + 1) * 64 + part index; objects: -1
    part_kps = {}
    for n, (person, _, _) in enumerate(people):
        for i, part in enumerate(person.parts()):
            label = (n + 1) * 64 + i
            part_kps[label] = part['keypoints']
            _draw_part(img, labels, part, label, person)
    for person, _, box in people:
        if rng.random() < occluder_prob:
            w, hh = rng.uniform(0.2, 0.5) * (box[2] - box[0] + 1), rng.uniform(0.1, 0.3) * person.height
            centre = (rng.uniform(box[0], box[2]), rng.uniform(box[1] + 0.2 * person.height, box[3]))
            box = (centre, (w, hh), float(rng.uniform(0, 180)))
            part = (dict(kind='ellipse', box=box) if rng.random() < 0.5 else
                    dict(kind='poly', pts=cv2.boxPoints(box).astype(np.float64)))
            part['color'] = rng.integers(0, 256, 3)
            _draw_part(img, labels, part, -1, None)
    noise = rng.normal(0, rng.uniform(1, 5), img.shape)
    img = np.clip(cv2.GaussianBlur(img, (3, 3), rng.uniform(0.3, 0.8)) + noise, 0, 255).astype(np.uint8)

    anns = []
    for n, (person, view, _) in enumerate(people):
        mask = labels // 64 == n + 1
        kpts = np.zeros((17, 3))
        for k, (x, y) in enumerate(person.keypoints):
            xi, yi = int(np.floor(x)), int(np.floor(y))
            if not (0 <= x < size and 0 <= y < size):
                continue  # outside the image: unlabelled
            if k in (NOSE, L_EYE, R_EYE) and not person.face_visible(k):
                continue  # the face looks away: COCO annotators leave eyes and nose unlabelled
            lab = labels[yi, xi]
            own = lab // 64 == n + 1 and k in part_kps.get(lab, ())
            behind_head = k in (L_EAR, R_EAR) and person.depth[k] < -0.03
            kpts[k] = (x, y, 2 if own and not behind_head else 1)
        if not mask.any():
            continue
        ys, xs = np.nonzero(mask)
        x0, y0 = float(xs.min()), float(ys.min())
        anns.append(dict(
            keypoints=np.round(kpts, 2).reshape(-1).tolist(), num_keypoints=int((kpts[:, 2] > 0).sum()),
            bbox=[x0, y0, float(xs.max() + 1) - x0, float(ys.max() + 1) - y0], area=float(mask.sum()),
            segmentation=_polygons(mask), iscrowd=0, category_id=1, viewpoint=view,
            yaw=round(float(np.degrees(person.yaw)), 2)))
    return img, anns


SPLIT_STREAMS = dict(train=0, val=1, test=2)


def scene_info(split: str, num_images: int, seed: int, image_size: int) -> Dict:
    """The generator settings stored under ``info`` of the annotation file (and compared on reuse)."""
    return dict(description='mmpose-mdn synthetic two-viewpoint scenes', split=split, num_images=num_images,
                seed=seed, image_size=image_size, version=4)


def generate_viewpoint_scenes(out_dir: str, split: str = 'train', num_images: int = 800, seed: int = 0,
                              image_size: int = 128) -> str:
    """Write ``out_dir/<split>/%06d.jpg`` and ``out_dir/annotations/viewpoint_<split>.json`` (COCO keypoints).

    Image ``i`` of ``split`` is drawn from ``np.random.default_rng([seed, SPLIT_STREAMS[split], i])``, so
    files are identical for the same seed and independent across splits. Every file is written under a name of
    this process and then renamed, so runs generating the same ``out_dir`` at once (two trainings started on a
    fresh data root) never see each other's half-written files. Returns the annotation file path.
    """
    img_dir, ann_dir = osp.join(out_dir, split), osp.join(out_dir, 'annotations')
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(ann_dir, exist_ok=True)
    meta = parse_pose_metainfo(CocoDataset.METAINFO)
    names = [meta['keypoint_id2name'][k] for k in range(meta['num_keypoints'])]
    skeleton = [[a + 1, b + 1] for a, b in meta['skeleton_links']]
    images, annotations = [], []
    for i in range(num_images):
        rng = np.random.default_rng([seed, SPLIT_STREAMS[split], i])
        img, anns = render_scene(rng, image_size)
        name = f'{i:06d}.jpg'
        jpg = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, 95])[1]
        _write_atomic(osp.join(img_dir, name), jpg.tobytes())
        images.append(dict(id=i + 1, file_name=name, width=image_size, height=image_size))
        for ann in anns:
            annotations.append(dict(id=len(annotations) + 1, image_id=i + 1, **ann))
    coco = dict(info=scene_info(split, num_images, seed, image_size), images=images, annotations=annotations,
                categories=[dict(id=1, name='person', supercategory='person', keypoints=names,
                                 skeleton=skeleton)])
    ann_file = osp.join(ann_dir, f'viewpoint_{split}.json')
    _write_atomic(ann_file, json.dumps(coco).encode())
    return ann_file


def _write_atomic(path: str, data: bytes) -> None:
    """Write ``path`` through a temporary file of this process and thread, renamed into place."""
    tmp = f'{path}.{os.getpid()}.{threading.get_ident()}.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)
