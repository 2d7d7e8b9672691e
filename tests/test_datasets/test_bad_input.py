"""Bad input either trains correctly or fails with an error naming the file and the field, never a silent NaN.

Each case takes a real coco_mini training image and its annotation, corrupts a copy in a temporary directory,
and runs the coco-mini config's dataset and training pipeline into the tiny model's loss."""
import copy
import json
import math
import shutil

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, MODELS

from conftest import MINI_MDN, ROOT, data_dir

ANN = 'annotations/person_keypoints_train2017.json'


@pytest.fixture(scope='module')
def coco():
    return json.loads((data_dir('coco_mini') / ANN).read_text())


@pytest.fixture(scope='module')
def cfg():
    init_default_scope('mmpose')
    return Config.fromfile(ROOT / MINI_MDN)


def image_with_people(coco, count):
    """(image, its person annotations) of the first image with exactly ``count`` annotated people."""
    for img in coco['images']:
        anns = [a for a in coco['annotations'] if a['image_id'] == img['id']]
        if len(anns) == count and all(a['num_keypoints'] > 0 and not a['iscrowd'] for a in anns):
            return img, anns
    raise LookupError(f'no coco_mini train image with {count} people')


def write_set(tmp_path, coco, img, anns, image_bytes=None):
    """A COCO set in tmp_path: the real image(s) ``img`` (one or a list; the first written as ``image_bytes``
    where given) and ``anns``."""
    images = img if isinstance(img, list) else [img]
    (tmp_path / 'img').mkdir()
    for i, im in enumerate(images):
        if image_bytes is None or i > 0:
            shutil.copy(data_dir('coco_mini') / 'train2017' / im['file_name'], tmp_path / 'img' / im['file_name'])
        elif image_bytes:
            (tmp_path / 'img' / im['file_name']).write_bytes(image_bytes)
    ann_file = tmp_path / 'ann.json'
    ann_file.write_text(json.dumps(dict(images=images, annotations=anns, categories=coco['categories'])))
    return ann_file


def dataset(cfg, ann_file, pipeline=None):
    return DATASETS.build(dict(type='ValidatedCocoDataset', data_root='', ann_file=str(ann_file),
                               data_mode='bottomup', data_prefix=dict(img=str(ann_file.parent / 'img') + '/'),
                               pipeline=pipeline or cfg.train_pipeline))


def loss_of(cfg, sample):
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    data = model.data_preprocessor(pseudo_collate([sample]), training=True)
    losses = model(**data, mode='loss')
    assert all(torch.isfinite(v) for v in losses.values()), losses
    return losses


@pytest.mark.parametrize('field,value', [('bbox', [10.0, 20.0, math.nan, 100.0]), ('bbox', [10.0, 20.0, -30.0, 80.0]),
                                         ('keypoints', 'nan')])
def test_nan_or_negative_annotation_names_file_and_field(tmp_path, coco, cfg, field, value):
    img, anns = image_with_people(coco, 1)
    anns = copy.deepcopy(anns)
    if value == 'nan':
        value = list(anns[0]['keypoints'])
        value[0] = math.nan
    anns[0][field] = value
    ann_file = write_set(tmp_path, coco, img, anns)
    with pytest.raises(ValueError) as err:
        dataset(cfg, ann_file)
    msg = str(err.value)
    assert str(ann_file) in msg and img['file_name'] in msg and f'"{field}"' in msg


def two_images(coco):
    """Two coco_mini train images with one person each, and copies of their annotations."""
    (img1, anns1), img2 = image_with_people(coco, 1), next(
        im for im in coco['images'] if im['id'] != image_with_people(coco, 1)[0]['id']
        and [a for a in coco['annotations'] if a['image_id'] == im['id']])
    anns2 = [a for a in coco['annotations'] if a['image_id'] == img2['id']]
    return [img1, img2], copy.deepcopy(anns1), copy.deepcopy(anns2)


def corrupt(case, anns1, anns2):
    """``anns1 + anns2`` with one corruption; returns them, the annotation id and the field to be named."""
    first = anns1[0]
    if case == 'duplicate id':  # image 2's person takes image 1's id: COCO's index would move it to image 1
        anns2[0]['id'] = first['id']
        return anns1 + anns2, first['id'], '"id"'
    if case == 'unknown image':
        first['image_id'] = 999999999
        return anns1 + anns2, first['id'], '"image_id"'
    if case == 'num_keypoints':
        first['num_keypoints'] += 2
        return anns1 + anns2, first['id'], '"num_keypoints"'
    if case == 'non-numeric keypoints':
        first['keypoints'][4] = 'x'
        return anns1 + anns2, first['id'], '"keypoints"'
    if case == 'negative area':  # accepted by mmpose: COCOeval's OKS and area ranges then change the AP silently
        first['area'] = -first['area']
        return anns1 + anns2, first['id'], '"area"'
    if case == 'another category':  # mmpose trains and scores every annotation of an image as a person
        first['category_id'] = 2
        return anns1 + anns2, first['id'], '"category_id"'
    assert case == 'no person'
    return [], None, '"keypoints"'


@pytest.mark.parametrize('case', ['duplicate id', 'unknown image', 'num_keypoints', 'non-numeric keypoints',
                                  'negative area', 'another category', 'no person'])
def test_corrupt_annotation_file_names_file_id_and_field(tmp_path, coco, cfg, case):
    """Each corruption changes the labels without a word in mmpose (or fails in numpy): here the dataset refuses
    the file when it is built, naming it, the annotation id and the field."""
    images, anns1, anns2 = two_images(coco)
    anns, ann_id, field = corrupt(case, anns1, anns2)
    ann_file = write_set(tmp_path, coco, images, anns)
    with pytest.raises(ValueError) as err:
        dataset(cfg, ann_file)
    msg = str(err.value)
    assert str(ann_file) in msg and field in msg and (ann_id is None or f'annotation id {ann_id}' in msg), msg


@pytest.mark.parametrize('field', ['width', 'height'])
def test_image_without_a_size_names_file_image_and_field(tmp_path, coco, cfg, field):
    """mmpose fails on it with a bare KeyError: 'width'."""
    img, anns = image_with_people(coco, 1)
    ann_file = write_set(tmp_path, coco, {k: v for k, v in img.items() if k != field}, anns)
    with pytest.raises(ValueError) as err:
        dataset(cfg, ann_file)
    msg = str(err.value)
    assert str(ann_file) in msg and f'image id {img["id"]} ({img["file_name"]}): field "{field}" is missing' in msg


def test_image_of_another_size_than_annotated_fails_when_loaded(tmp_path, coco, cfg):
    """The JSON's width/height disagree with the file (another image, or a rotated one, under that name)."""
    img, anns = image_with_people(coco, 1)
    ann_file = write_set(tmp_path, coco, dict(img, width=img['height'], height=img['width']), anns)
    with pytest.raises(ValueError) as err:
        dataset(cfg, ann_file)[0]
    msg = str(err.value)
    assert img['file_name'] in msg and f'{img["width"]}×{img["height"]}' in msg and 'width' in msg


@pytest.mark.parametrize('content', [b'', b'\xff\xd8\xff\xe0 not a jpeg at all' * 10])
def test_missing_or_corrupt_image_names_the_file(tmp_path, coco, cfg, content):
    img, anns = image_with_people(coco, 1)
    ann_file = write_set(tmp_path, coco, img, anns, image_bytes=content)  # b'': no file at all
    with pytest.raises(OSError) as err:
        dataset(cfg, ann_file)[0]
    assert img['file_name'] in str(err.value)
    assert ('does not exist' if not content else 'exists (') in str(err.value)  # not "check whether it exists"


def test_keypoints_outside_image_are_masked(tmp_path, coco, cfg):
    img, anns = image_with_people(coco, 1)
    anns = copy.deepcopy(anns)
    kpts = anns[0]['keypoints']
    kpts[9 * 3:9 * 3 + 3] = [-50.0, img['height'] / 2, 2]  # left wrist 50 px left of the image, "visible"
    kpts[10 * 3:10 * 3 + 3] = [img['width'] + 80.0, img['height'] + 80.0, 2]  # right wrist past the corner
    # no augmentation: the image fitted into the input, so both wrists land outside the output map
    fit = [dict(type='LoadImage'),
           dict(type='BottomupRandomAffine', input_size=cfg.codec.input_size, scale_factor=(1.0, 1.0),
                shift_factor=0.0, rotate_prob=0.0),
           dict(type='GenerateTarget', encoder=cfg.codec), dict(type='PackPoseInputs')]
    sample = dataset(cfg, write_set(tmp_path, coco, img, anns), fit)[0]
    weights = sample['data_samples'].gt_instance_labels.keypoint_weights
    assert weights.shape == (1, 17) and weights[0, 9] == 0 and weights[0, 10] == 0
    # every other keypoint regresses exactly when it is annotated and on the output map
    on_map = torch.as_tensor(sample['data_samples'].gt_instances.keypoints[0]) / cfg.codec.stride
    on_map = ((on_map >= 0) & (on_map < cfg.codec.input_size[0] / cfg.codec.stride)).all(-1)
    annotated = torch.tensor([v > 0 for v in kpts[2::3]])
    assert ((weights[0] > 0) == (annotated & on_map)).all() and (weights[0] > 0).sum() >= 8
    loss_of(cfg, sample)


def test_crowd_only_image_trains(tmp_path, coco, cfg):
    """A real COCO crowd region (iscrowd=1, no keypoints) alone on its image: an ignored centre, nobody
    regresses, the heatmap losses train."""
    crowd = next(a for a in coco['annotations'] if a['iscrowd'])
    img = next(i for i in coco['images'] if i['id'] == crowd['image_id'])
    sample = dataset(cfg, write_set(tmp_path, coco, img, [crowd]))[0]
    assert len(sample['data_samples'].gt_instance_labels.keypoint_weights) == 0
    assert sample['data_samples'].gt_fields.heatmaps.max() < 1  # no positive centre or keypoint
    losses = loss_of(cfg, sample)
    assert losses['loss_mdn'] == 0 and losses['loss_box_size'] == 0 and losses['loss_centre'] > 0


def test_more_people_than_max_instances_trains(tmp_path, coco, cfg):
    img, anns = image_with_people(coco, 1)
    people = []
    for i in range(40):  # 40 small shifted copies of the person, each a valid annotation
        a = copy.deepcopy(anns[0])
        s, dx, dy = 0.3, (i % 8) * img['width'] / 8, (i // 8) * img['height'] / 5
        x0, y0 = a['bbox'][:2]
        a['bbox'] = [dx, dy, a['bbox'][2] * s, a['bbox'][3] * s]
        a['keypoints'] = [v if j % 3 == 2 else (dx + (v - x0) * s if j % 3 == 0 else dy + (v - y0) * s)
                          for j, v in enumerate(a['keypoints'])]
        a['id'], a['area'] = a['id'] * 100 + i, a['area'] * s * s
        people.append(a)
    fit = [dict(type='LoadImage'),
           dict(type='BottomupRandomAffine', input_size=cfg.codec.input_size, scale_factor=(1.0, 1.0),
                shift_factor=0.0, rotate_prob=0.0),
           dict(type='GenerateTarget', encoder=cfg.codec), dict(type='PackPoseInputs')]
    sample = dataset(cfg, write_set(tmp_path, coco, img, people), fit)[0]
    assert len(sample['data_samples'].gt_instance_labels.keypoint_weights) == cfg.codec.max_instances == 32
    assert sample['data_samples'].gt_fields.heatmaps[0].max() == 1  # every centre still on the centre heatmap
    loss_of(cfg, sample)
