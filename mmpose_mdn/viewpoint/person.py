"""A person of the scenes: the body model (:mod:`.body`) projected into the image, dressed and drawn as parts.

Front and back views share torso, limbs and colours; only the head and the shoes differ (face marks on a skin oval
from the front, hair from the back; shoes pointing forward), so the viewpoint is not visible at the person-centre
pixel where the offsets are regressed (a network still reaches the head through its receptive field: see
``benchmarks/viewpoint.md``). Hands and elbow/knee shading make the joints of a uniformly coloured limb locatable.

A person whose viewpoint cue is hidden has a head of hair seen the same from every side (a hood), shoes as
symmetric blobs and unlabelled eyes and nose: its back view at yaw θ + 180° is then the front view of its mirror
(:mod:`.body`) at θ, pixel for pixel, with the same keypoint positions and left/right labels swapped; the scenes
also draw its pose so that the mirror is as likely as the pose itself (:func:`.scene.sample_person`).
"""
from typing import List, Tuple

import cv2
import numpy as np

from .body import (FACE_KEYPOINTS, HEAD_R, HEAD_Y, HIP, JOINT_MARKS, L_ANK, L_EYE, L_HIP, L_SHO, L_WRI, LIMBS, NOSE,
                   R_ANK, R_EYE, R_HIP, R_SHO, R_WRI, SHOULDER)
from .drawing import HAIR, SKIN, bgr, circle, fixed_point


class Person:
    """One person in the image: projected keypoints (17, 2) in pixels, their depths and the appearance.

    Args:
        body (np.ndarray): (17, 3) body-frame keypoints from :func:`.body.sample_pose`
        yaw (float): degrees; height (float): pixels; origin (tuple): image position of the top of the head
        roll (float): in-plane rotation (radians) about the pelvis; rng: draws the colours
        cue_visible (bool): whether the face and the shoes' direction show the viewpoint (False: hidden, see the
            module). Defaults to True
    """

    def __init__(self, body: np.ndarray, yaw: float, height: float, origin: Tuple[float, float], roll: float,
                 rng: np.random.Generator, cue_visible: bool = True):
        self.yaw = np.deg2rad(yaw)
        self.height = height
        self.origin = np.asarray(origin, dtype=np.float64)
        cr, sr = np.cos(roll), np.sin(roll)
        self.rot = np.array([[cr, -sr], [sr, cr]])
        self.cue_visible = cue_visible
        self.body = body
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
        """Whether eye or nose ``k`` is drawn and labelled: the cue is visible and ``k`` faces the camera (the head
        centre has depth 0)."""
        return self.cue_visible and self.depth[k] > (-0.025 if k == NOSE else -0.01)

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
        # shoes point forward: a stub sideways in a side view, a blob otherwise, and always with the cue hidden
        toe_u = 0.07 * s if self.cue_visible else 0.0
        for ank in (L_ANK, R_ANK):
            toe = k[ank] + self.rot @ np.array([toe_u, 0.015]) * h
            parts.append(dict(kind='line', pts=np.stack([k[ank], toe]), width=0.055 * h, depth=d[ank] + 0.01,
                              color=self.trousers // 3, keypoints=(ank, )))
        parts.append(dict(kind='line', pts=self.to_image(np.array([[0, HEAD_Y + 0.04], [0, SHOULDER[1]]])),
                          width=0.05 * h, depth=0.0, color=self.skin, keypoints=()))  # neck
        parts.append(dict(kind='head', centre=self.to_image(np.array([[0.0, HEAD_Y]]))[0], radius=HEAD_R * h,
                          depth=0.0, color=self.hair, keypoints=FACE_KEYPOINTS))
        return sorted(parts, key=lambda p: p['depth'])  # stable: at equal depth limbs lie over the torso

    def draw_head(self, img: np.ndarray, centre: np.ndarray, radius: float) -> None:
        """Hair disc; unless seen from the back or with the cue hidden a skin oval shifted towards where the person
        looks, with the eyes, nose and mouth that face the camera."""
        h, c, s = self.height, np.cos(self.yaw), np.sin(self.yaw)
        circle(img, centre, radius, self.hair)
        if c < -0.4 or not self.cue_visible:
            return
        face = centre + self.rot @ np.array([0.028 * s, 0.012]) * h
        axes = (max(1.0, radius * (0.45 + 0.4 * max(c, 0))), radius * 0.78)
        angle = np.degrees(np.arctan2(self.rot[1, 0], self.rot[0, 0]))
        cv2.ellipse(img, fixed_point(face), (int(axes[0] * 16), int(axes[1] * 16)), angle, 0, 360, bgr(self.skin),
                    -1, cv2.LINE_AA, shift=4)
        for kp in (L_EYE, R_EYE):
            if self.face_visible(kp):
                circle(img, self.keypoints[kp], max(0.9, 0.011 * h), self.hair // 2)
        if self.face_visible(NOSE):
            circle(img, self.keypoints[NOSE], max(0.8, 0.009 * h), self.skin * 0.7)
            mouth, _ = self.project(np.array([[0.0, HEAD_Y + 0.04, 0.055]]))
            half = self.rot @ np.array([0.02 * max(c, 0.3), 0.0]) * h
            cv2.line(img, fixed_point(mouth[0] - half), fixed_point(mouth[0] + half), bgr(self.skin * 0.55),
                     max(1, int(round(0.008 * h))), cv2.LINE_AA, shift=4)
