"""The body model: 17 COCO keypoints of a 3D stick figure, its random poses and viewpoints.

A person is a stick figure in body coordinates ``(u, y, z)`` in units of its height ``h``: ``u`` towards the
person's own left, ``y`` down (0 at the top of the head), ``z`` forward. Seen under yaw ``θ`` (0: facing the
camera) it projects to

.. math::
    X = u\\cos\\theta + z\\sin\\theta, \\qquad D = z\\cos\\theta - u\\sin\\theta \\quad(\\text{towards the camera})

so a front view (θ ≈ 0) shows the person's left keypoints on the image's right and a back view (θ ≈ 180°)
mirrors them, while keypoint labels stay the person's own left/right (COCO's convention). A pose P seen at
θ + 180° projects as its mirror Q (P with left and right swapped and ``u``, ``z`` negated) seen at θ: the same X
and D, the left/right labels swapped.

The pose prior bends limbs forward more than backward (elbows and shoulders forward, knees backward), so Q is not
drawn as often as P: a person's limbs would tell a back view from a front view. For a person whose viewpoint cue is
hidden the scenes reverse the forward axis with probability 1/2 (:func:`reverse_forward`), which makes the prior
of such people invariant under Q, and their back views exactly as likely as the front views of their mirrors.
"""
from typing import Tuple

import numpy as np

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


def reverse_forward(body: np.ndarray) -> np.ndarray:
    """The pose (17, 3) with its forward axis reversed (z -> -z) except the face (eyes and nose stay in front):
    limbs that bent forward bend backward. With probability 1/2 on a symmetric prior the result is invariant under
    the mirror Q (see the module)."""
    out = body * [1, 1, -1]
    out[[NOSE, L_EYE, R_EYE]] = body[[NOSE, L_EYE, R_EYE]]
    return out


def sample_viewpoint(rng: np.random.Generator) -> Tuple[str, float]:
    """A viewpoint by :data:`VIEW_SHARES` and its yaw in degrees."""
    view = VIEWPOINTS[rng.choice(len(VIEWPOINTS), p=VIEW_SHARES)]
    centre, half = VIEW_YAW[view]
    if view == 'side':
        centre *= rng.choice((-1, 1))
    return view, float(centre + rng.uniform(-half, half))
