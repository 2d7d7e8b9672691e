"""Drawing with cv2 at sub-pixel precision: parts in colour and in a label map, the background, mask polygons.

Points are float pixels, drawn in cv2's 4-bit fixed point (``shift=4``); colours are BGR.
"""
from typing import TYPE_CHECKING, List, Optional, Tuple

import cv2
import numpy as np

if TYPE_CHECKING:
    from .person import Person

SKIN = ((170, 196, 224), (120, 152, 189), (66, 98, 141), (40, 62, 96), (190, 208, 232))  # BGR
HAIR = ((20, 20, 25), (30, 45, 70), (40, 60, 100), (40, 40, 40), (25, 35, 90))  # dark: unlike the face


def fixed_point(p) -> Tuple[int, int]:
    """A point in cv2's 4-bit fixed point (shift=4)."""
    return int(round(p[0] * 16)), int(round(p[1] * 16))


def bgr(c) -> Tuple[int, int, int]:
    """A colour clipped to 0..255 as cv2's int tuple."""
    return tuple(int(v) for v in np.clip(c, 0, 255))


def circle(img: np.ndarray, centre, radius: float, color, aa: bool = True) -> None:
    """A filled disc: anti-aliased in colour, or (``aa=False``) the integer ``color`` into a label map."""
    color = bgr(color) if aa else (int(color), )
    cv2.circle(img, fixed_point(centre), int(round(radius * 16)), color, -1, cv2.LINE_AA if aa else cv2.LINE_8,
               shift=4)


def draw_part(img: np.ndarray, labels: np.ndarray, part: dict, label: int, person: Optional['Person']) -> None:
    """Draw a part (see :meth:`Person.parts`, or an occluder: 'poly' | 'ellipse') in colour (anti-aliased) and
    its label into the label map (same geometry, no blending); a 'head' is drawn by ``person``."""
    kind = part['kind']
    if kind == 'head':
        person.draw_head(img, part['centre'], part['radius'])
        circle(labels, part['centre'], part['radius'], label, aa=False)
    elif kind == 'disc':
        circle(img, part['centre'], part['radius'], part['color'])
        circle(labels, part['centre'], part['radius'], label, aa=False)
    elif kind == 'line':
        w = max(1, int(round(part['width'])))
        a, b = part['pts']
        cv2.line(img, fixed_point(a), fixed_point(b), bgr(part['color']), w, cv2.LINE_AA, shift=4)
        cv2.line(labels, fixed_point(a), fixed_point(b), (label, ), w, cv2.LINE_8, shift=4)
    elif kind == 'poly':
        pts = np.round(part['pts'] * 16).astype(np.int32)[None]
        cv2.fillPoly(img, pts, bgr(part['color']), cv2.LINE_AA, shift=4)
        cv2.fillPoly(labels, pts, (label, ), cv2.LINE_8, shift=4)
    elif kind == 'ellipse':
        cv2.ellipse(img, part['box'], bgr(part['color']), -1, cv2.LINE_AA)
        cv2.ellipse(labels, part['box'], (label, ), -1, cv2.LINE_8)


def background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A colour gradient (size, size, 3) with clutter: rectangles, discs, and stick-like bars in skin and clothing
    tones."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    c0, c1 = rng.integers(40, 220, 3), rng.integers(40, 220, 3)
    t = (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1))[..., None]
    t = (t - t.min()) / max(np.ptp(t), 1e-6)
    img = np.ascontiguousarray((c0 * (1 - t) + c1 * t).astype(np.uint8))
    for _ in range(rng.integers(3, 8)):
        color = bgr(SKIN[rng.integers(len(SKIN))] if rng.random() < 0.25 else rng.integers(0, 256, 3))
        p = rng.uniform(0, size, 2)
        shape = rng.integers(3)
        if shape == 0:
            q = p + rng.uniform(-0.3, 0.3, 2) * size
            cv2.rectangle(img, fixed_point(p), fixed_point(q), color, -1, cv2.LINE_AA, shift=4)
        elif shape == 1:
            circle(img, p, rng.uniform(0.03, 0.12) * size, color)
        else:
            q = p + rng.uniform(-0.25, 0.25, 2) * size
            cv2.line(img, fixed_point(p), fixed_point(q), color, int(rng.integers(2, 8)), cv2.LINE_AA, shift=4)
    return img


def polygons(mask: np.ndarray) -> List[List[float]]:
    """Outer contours of a binary mask as COCO polygons (flat x, y lists with >= 3 points)."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return [c.reshape(-1).astype(float).tolist() for c in contours if len(c) >= 3]
