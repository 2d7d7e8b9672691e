"""The rules a COCO person-keypoint file and its images must follow, as lists of problems.

Each function returns human-readable problems (empty when all is well), each naming the annotation file, the
annotation or image id and the field, so :class:`ValidatedCocoDataset` can refuse a bad file when it is parsed and
``tools/misc/check_dataset.py`` can list every problem of a dataset in one pass.
"""
import math
import os.path as osp
from collections import Counter
from typing import List, Optional

import numpy as np

# EXIF orientations that turn the stored image by 90 degrees (the decoder swaps width and height)
EXIF_TRANSPOSED = {5, 6, 7, 8}
EXIF_ORIENTATION = 0x0112


def file_problems(coco: dict, ann_file: str) -> List[str]:
    """Problems of the file as a whole.

    Duplicate image or annotation ids (COCO's index keeps the last annotation of an id, so the first one's image
    gets the second's person), images without a positive ``width`` / ``height`` (mmpose fails on them with a bare
    ``KeyError``), annotations whose ``category_id`` is not the file's person category (mmpose loads every
    annotation of an image as a person, whatever its category), annotations whose ``image_id`` has no entry in
    ``images`` (never loaded), and a file with no annotation carrying ``keypoints`` (nothing to train on, AP
    undefined).
    """
    images, anns = coco.get('images', []), coco.get('annotations', [])
    problems = [f'{ann_file}: image id {i}: field "id" is shared by {n} entries of "images"'
                for i, n in Counter(img.get('id') for img in images).items() if n > 1]
    problems += [f'{ann_file}: image id {img.get("id")} ({img.get("file_name")}): field "{field}" is missing or not '
                 f'a positive number, got {img.get(field)!r} (the image size, which every person is placed in)'
                 for img in images for field in ('width', 'height') if not _positive(img, field)]
    person = {c.get('id') for c in coco.get('categories', []) if c.get('name') == 'person' or 'keypoints' in c}
    if person:
        problems += [f'{ann_file}: annotation id {a.get("id")}: field "category_id" is {a.get("category_id")!r}, not '
                     f'a person category of the file ({sorted(person)}): it would be trained and scored as a person'
                     for a in anns if a.get('category_id') not in person]
    problems += [f'{ann_file}: annotation id {i}: field "id" is shared by {n} annotations (COCO keeps the last one '
                 'for every image that lists the id)' for i, n in Counter(a.get('id') for a in anns).items() if n > 1]
    image_ids = {img.get('id') for img in images}
    problems += [f'{ann_file}: annotation id {a.get("id")}: field "image_id" {a.get("image_id")} has no entry in '
                 '"images"' for a in anns if a.get('image_id') not in image_ids]
    if not any('keypoints' in a for a in anns):
        problems.append(f'{ann_file}: no annotation has "keypoints" ({len(anns)} annotations, {len(images)} images):'
                        ' not a person-keypoint file')
    return problems


# keypoints that a dataset's ``num_keypoints`` field counts, where not all: CrowdPose's files count the 12 limb
# keypoints, not the head and neck (its official annotations and evaluation)
COUNTED_KEYPOINTS = dict(crowdpose=12)


def annotation_problems(ann: dict, img: dict, num_keypoints: int, ann_file: str,
                        dataset_name: Optional[str] = None) -> List[str]:
    """Problems of one annotation: ``bbox`` must be 4 finite numbers [x, y, w, h] with w, h >= 0; ``area``, where
    given, a finite number >= 0; ``keypoints`` K×(x, y, v) finite numbers with v in {0, 1, 2}; ``num_keypoints``,
    where given, the count of v > 0 (of the first :data:`COUNTED_KEYPOINTS` of ``dataset_name``, where listed)."""
    where = f'{ann_file}: annotation id {ann.get("id")} (image {img.get("file_name")})'
    problems = []
    if 'bbox' in ann:
        box = ann['bbox']
        if (not isinstance(box, (list, tuple)) or len(box) != 4
                or not all(_number(v) for v in box) or box[2] < 0 or box[3] < 0):
            problems.append(f'{where}: field "bbox" must be 4 finite numbers [x, y, w, h] with w, h >= 0, got {box}')
    if 'area' in ann and not (_number(ann['area']) and ann['area'] >= 0):
        problems.append(f'{where}: field "area" must be a finite number >= 0, got {ann["area"]!r} (COCOeval\'s OKS '
                        'divides by it and its area ranges would mis-file the person)')
    if 'keypoints' in ann:
        kpts = _numbers(ann['keypoints'])
        if kpts is None or kpts.shape != (3 * num_keypoints, ) or not np.isfinite(kpts).all() or not np.isin(
                kpts[2::3], (0, 1, 2)).all():
            problems.append(f'{where}: field "keypoints" must be {num_keypoints}×(x, y, v) finite numbers with v in '
                            f'{{0, 1, 2}}, got {ann["keypoints"]}')
        else:
            counted = COUNTED_KEYPOINTS.get(dataset_name, num_keypoints)
            labelled = np.count_nonzero(kpts[2:3 * counted:3])
            if 'num_keypoints' in ann and ann['num_keypoints'] != labelled:
                of = f' of its first {counted}' if counted < num_keypoints else ''
                problems.append(f'{where}: field "num_keypoints" is {ann["num_keypoints"]} but "keypoints" has '
                                f'{labelled} labelled (v > 0){of}')
    return problems


def image_problems(path: str, width: Optional[int] = None, height: Optional[int] = None) -> List[str]:
    """Problems of one image file: missing, not decodable to its last byte (corrupt, truncated, not an image), or
    decoded (EXIF orientation applied, as mmcv's decoder does) to a size other than the annotation's
    ``width`` × ``height``."""
    from PIL import Image
    if not osp.isfile(path):
        return [f'{path}: image file does not exist']
    try:
        with Image.open(path) as im:
            im.load()  # decodes every byte: a truncated file fails here
            w, h = im.size
            if im.getexif().get(EXIF_ORIENTATION) in EXIF_TRANSPOSED:
                w, h = h, w
    except Exception as err:  # PIL raises OSError, SyntaxError, ValueError, ... by format
        return [f'{path}: image file exists ({osp.getsize(path)} bytes) but cannot be decoded: {err}']
    if width is not None and height is not None and (w, h) != (width, height):
        return [f'{path}: image is {w}×{h} but the annotation file says width {width}, height {height} (a '
                'different file, or a rotated one, under this name)']
    return []


def _number(value) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def has_image_size(img: dict) -> bool:
    """Whether an ``images`` entry has a positive ``width`` and ``height``."""
    return _positive(img, 'width') and _positive(img, 'height')


def _positive(entry: dict, field: str) -> bool:
    return _number(entry.get(field)) and entry[field] > 0


def _numbers(values) -> Optional[np.ndarray]:
    """``values`` as a float64 vector, or None when some entry is not a number."""
    if not isinstance(values, (list, tuple)) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    return np.asarray(values, dtype=np.float64)
