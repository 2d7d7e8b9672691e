"""CenterNetPose targets and decoding on hand-made people whose answers are known."""
import numpy as np
import pytest
import torch
from mmdet.models.utils.gaussian_target import gaussian_radius

from mmpose_mdn.codecs import CenterNetPose
from mmpose_mdn.codecs.centernet_pose import IGNORE_PEAK

K = 17


def person(x0, y0, w, h, vis=2):
    """A box (x0, y0, w, h) in input pixels with keypoints in the cells of a 5x4 grid inside it, jittered within
    the middle 40 % of each cell."""
    rng = np.random.default_rng(int(x0 * 7 + y0))
    col, row = np.arange(K) % 5, np.arange(K) // 5
    kpts = np.stack([x0 + (col + rng.uniform(0.3, 0.7, K)) / 5 * w, y0 + (row + rng.uniform(0.3, 0.7, K)) / 4 * h],
                    -1)
    return kpts.astype(np.float32), np.full(K, vis, np.float32), np.array([x0, y0, x0 + w, y0 + h], np.float32)


def encode(codec, people):
    kpts, vis, boxes = (np.stack(x) for x in zip(*people))
    return codec.encode(kpts, vis, bbox=boxes)


def test_targets_of_one_person():
    codec = CenterNetPose(input_size=(128, 96), stride=4)
    kpts, vis, box = person(20.5, 10.25, 60, 70)
    vis[3] = 0  # unannotated
    kpts[4] = (500, 20)  # annotated but outside the map
    enc = codec.encode(kpts[None], vis[None], bbox=box[None])
    assert enc['heatmaps'].shape == (1 + K, 24, 32)
    c = np.array([20.5 + 30, 10.25 + 35]) / 4
    ci = np.floor(c).astype(int)
    assert enc['centre_indices'].tolist() == [ci[1] * 32 + ci[0]]
    assert enc['heatmaps'][0, ci[1], ci[0]] == 1 and enc['heatmaps'][0].sum() > 1  # a Gaussian, peak 1
    np.testing.assert_allclose(enc['box_sizes'][0], [15, 17.5])
    np.testing.assert_allclose(enc['centre_offsets'][0], c - ci, atol=1e-6)
    expect_w = np.ones(K)
    expect_w[[3, 4]] = 0
    np.testing.assert_array_equal(enc['keypoint_weights'][0], expect_w)
    ok = expect_w > 0
    np.testing.assert_allclose(enc['keypoint_offsets'][0][ok], kpts[ok] / 4 - ci, atol=1e-5)
    assert (enc['keypoint_offsets'][0][~ok] == 0).all()
    kp_int = np.floor(kpts[ok] / 4)
    np.testing.assert_array_equal(enc['keypoint_indices'][0][ok], kp_int[:, 1] * 32 + kp_int[:, 0])
    np.testing.assert_allclose(enc['keypoint_subpixel_offsets'][0][ok], kpts[ok] / 4 - kp_int, atol=1e-5)
    assert enc['heatmaps'][1 + 3].max() == 0 and enc['heatmaps'][1 + 4].max() == 0
    assert enc['heatmaps'][1 + 0].max() == 1


def test_radius_is_cornernet_rule():
    codec = CenterNetPose(input_size=(256, 256), stride=4)
    enc = encode(codec, [person(40, 40, 120, 160)])
    r = int(gaussian_radius((40, 30), 0.7))
    row = enc['heatmaps'][0].max(0)
    assert (row > 0).sum() == 2 * r + 1


def test_person_without_keypoints_is_an_ignored_centre():
    codec = CenterNetPose(input_size=(128, 128))
    p = person(10, 10, 50, 60, vis=0)
    enc = encode(codec, [p, person(70, 60, 40, 50)])
    assert len(enc['centre_indices']) == 1  # only the annotated person regresses
    peaks = np.sort(enc['heatmaps'][0].ravel())[-2:]
    np.testing.assert_allclose(peaks, [IGNORE_PEAK, 1.0], rtol=1e-6)


def test_max_instances_keeps_the_largest_and_draws_all():
    codec = CenterNetPose(input_size=(256, 256), max_instances=2)
    people = [person(5 + 50 * i, 5 + 40 * i, 20 + 10 * i, 30 + 10 * i) for i in range(4)]
    enc = encode(codec, people)
    assert len(enc['centre_indices']) == 2
    np.testing.assert_allclose(enc['box_sizes'], [[50 / 4, 60 / 4], [40 / 4, 50 / 4]])
    assert (enc['heatmaps'][0] == 1).sum() == 4  # the dropped ones still have their centre peak


def test_empty_image_and_nan_keypoints():
    codec = CenterNetPose(input_size=(64, 64))
    enc = codec.encode(np.zeros((0, K, 2), np.float32), np.zeros((0, K)), bbox=np.zeros((0, 4)))
    assert enc['heatmaps'].max() == 0 and enc['keypoint_offsets'].shape == (0, K, 2)
    kpts, vis, box = person(5, 5, 40, 40)
    kpts[2] = np.nan
    enc = codec.encode(kpts[None], vis[None], bbox=box[None])
    assert enc['keypoint_weights'][0, 2] == 0 and np.isfinite(enc['keypoint_offsets']).all()


def test_missing_bbox_is_a_clear_error():
    with pytest.raises(ValueError, match='bbox'):
        CenterNetPose(input_size=(64, 64)).encode(np.zeros((1, K, 2)), np.ones((1, K)))


def dense_maps(codec, enc, jitter=0.0):
    H, W = enc['heatmaps'].shape[1:]
    maps = dict(centre_heatmap=torch.from_numpy(enc['heatmaps'][None, :1]),
                keypoint_heatmaps=torch.from_numpy(enc['heatmaps'][None, 1:]))
    for key, c, inds, val in [('box_size', 2, enc['centre_indices'], enc['box_sizes']),
                              ('centre_offset', 2, enc['centre_indices'], enc['centre_offsets']),
                              ('keypoint_offset', 2 * K, enc['centre_indices'],
                               enc['keypoint_offsets'].reshape(-1, 2 * K) + jitter)]:
        m = torch.zeros(c, H * W)
        m[:, inds] = torch.from_numpy(val).float().T
        maps[key] = m.view(1, c, H, W)
    w = enc['keypoint_weights'] > 0
    m = torch.zeros(K, 2, H * W)
    for k in range(K):
        m[k, :, enc['keypoint_indices'][w[:, k], k]] = torch.from_numpy(enc['keypoint_subpixel_offsets'][w[:, k], k]).T
    maps['keypoint_subpixel_offset'] = m.view(1, 2 * K, H, W)
    return maps


@pytest.mark.parametrize('refine', [True, False])
def test_decode_inverts_encode(refine):
    codec = CenterNetPose(input_size=(256, 256), refine=refine)
    people = [person(10, 20, 90, 120), person(130, 60, 80, 150)]
    enc = encode(codec, people)
    out = codec.batch_decode(dense_maps(codec, enc))[0]
    assert len(out['bbox_scores']) == 2
    order = np.argsort(out['bboxes'][:, 0].numpy())
    np.testing.assert_allclose(out['keypoints'].numpy()[order], np.stack([p[0] for p in people]), atol=1e-3)
    np.testing.assert_allclose(out['bboxes'].numpy()[order], np.stack([p[2] for p in people]), atol=1e-3)


def test_negative_box_sizes_decode_to_empty_boxes():
    """An untrained size branch can regress w or h < 0: decoded as 0 (x2 = x1), never a box with negative area
    (CocoMetric passes box areas to COCOeval, which ignores unmatched people of area < 0, so AP would rise)."""
    codec = CenterNetPose(input_size=(256, 256))
    maps = dense_maps(codec, encode(codec, [person(10, 20, 90, 120)]))
    maps['box_size'] = -maps['box_size']
    (out, ) = codec.batch_decode(maps)
    (x1, y1, x2, y2), = out['bboxes'].numpy()
    assert x2 == x1 and y2 == y1


def test_refinement_snaps_within_radius_only():
    codec = CenterNetPose(input_size=(256, 256), refine=True)
    people = [person(10, 20, 90, 120)]
    enc = encode(codec, people)
    # regressed keypoints off by 2 output px: refined back onto the heatmap peaks (0.3 * max(w,h) = 9 px)
    out = codec.batch_decode(dense_maps(codec, enc, jitter=2.0))[0]
    np.testing.assert_allclose(out['keypoints'][0].numpy(), people[0][0], atol=1e-3)
    # off by 20 output px: too far, the regressed point is kept
    out = codec.batch_decode(dense_maps(codec, enc, jitter=20.0))[0]
    np.testing.assert_allclose(out['keypoints'][0].numpy(), people[0][0] + 80, atol=1e-3)
    codec.refine = False
    out = codec.batch_decode(dense_maps(codec, enc, jitter=2.0))[0]
    np.testing.assert_allclose(out['keypoints'][0].numpy(), people[0][0] + 8, atol=1e-3)


def test_keypoints_sharing_a_pixel_refine_exactly():
    """Nose and eyes of a small face in one output pixel keep their own sub-pixel offsets."""
    codec = CenterNetPose(input_size=(128, 128), refine=True)
    kpts, vis, box = person(20, 20, 60, 80)
    kpts[0], kpts[1], kpts[2] = (41.2, 30.3), (42.9, 31.8), (40.1, 28.6)  # all in output pixel (10, 7)
    enc = codec.encode(kpts[None], vis[None], bbox=box[None])
    out = codec.batch_decode(dense_maps(codec, enc))[0]
    np.testing.assert_allclose(out['keypoints'][0].numpy(), kpts, atol=1e-4)


def test_per_sample_decode_matches_batch_decode():
    """mmpose's codec contract: ``decode`` takes one sample's maps (C, H, W), ``batch_decode`` a batch."""
    codec = CenterNetPose(input_size=(256, 256))
    first = dense_maps(codec, encode(codec, [person(10, 20, 90, 120), person(130, 60, 80, 150)]))
    second = dense_maps(codec, encode(codec, [person(40, 30, 60, 100)]), jitter=1.0)
    batch = codec.batch_decode({name: torch.cat([first[name], second[name]]) for name in first})
    assert [len(people['bbox_scores']) for people in batch] == [2, 1]
    for b, maps in enumerate((first, second)):
        single = codec.decode({name: m[0] for name, m in maps.items()})
        assert set(single) == set(batch[b])
        for name, value in single.items():
            torch.testing.assert_close(value, batch[b][name])


@pytest.mark.parametrize('refine', [True, False])
def test_maps_without_people_decode_to_none(refine):
    codec = CenterNetPose(input_size=(64, 64), refine=refine)
    maps = dense_maps(codec, encode(codec, [person(10, 10, 30, 40)]))
    maps['centre_heatmap'] = torch.zeros_like(maps['centre_heatmap'])
    (out, ) = codec.batch_decode(maps)
    assert out['keypoints'].shape == (0, K, 2) and out['keypoint_scores'].shape == (0, K)
    assert out['bboxes'].shape == (0, 4) and out['bbox_scores'].shape == (0, )


def test_local_maximum_is_mmdets():
    from mmdet.models.utils.gaussian_target import get_local_maximum

    from mmpose_mdn.codecs.centernet_pose import local_maximum
    torch.manual_seed(0)
    heatmaps = torch.rand(2, 17, 24, 40).round(decimals=1)  # ties between neighbours included
    torch.testing.assert_close(local_maximum(heatmaps), get_local_maximum(heatmaps), rtol=0, atol=0)


def test_heatmaps_equal_mmdets_gaussians_drawn_one_by_one():
    """The vectorised heatmaps are mmdet's ``gen_gaussian_target`` drawn person by person, keypoint by keypoint
    (CenterNet's loop), to the bit: 64 people of every size, overlapping, at the map's borders, some ignored."""
    from math import ceil

    from mmdet.models.utils.gaussian_target import gen_gaussian_target
    codec = CenterNetPose(input_size=(192, 128), stride=4)
    rng = np.random.default_rng(0)
    people = [person(*rng.uniform(0, 170, 2), *rng.uniform(2, 180, 2)) for _ in range(64)]
    kpts, vis, boxes = (np.stack(x) for x in zip(*people))
    vis[rng.random(vis.shape) < 0.3] = 0
    vis[:3] = 0  # people without a usable keypoint: centre peak IGNORE_PEAK
    enc = codec.encode(kpts, vis, bbox=boxes)

    W, H = codec.heatmap_size
    ref = torch.zeros((1 + K, H, W))
    b = boxes / 4
    b[:, 0::2], b[:, 1::2] = b[:, 0::2].clip(0, W - 1), b[:, 1::2].clip(0, H - 1)
    k_map = kpts / 4
    for n in range(len(people)):
        w, h = b[n, 2:] - b[n, :2]
        if w <= 0 or h <= 0:
            continue
        r = max(0, int(gaussian_radius((ceil(h), ceil(w)), codec.min_overlap)))
        usable = (vis[n] > 0) & (k_map[n] >= 0).all(-1) & (k_map[n, :, 0] < W) & (k_map[n, :, 1] < H)
        centre = ((b[n, :2] + b[n, 2:]) / 2).astype(np.int64).tolist()
        gen_gaussian_target(ref[0], centre, r, k=1 if usable.any() else IGNORE_PEAK)
        for k in np.flatnonzero(usable):
            gen_gaussian_target(ref[1 + k], k_map[n, k].astype(np.int64).tolist(), r)
    assert (ref[0] == IGNORE_PEAK).sum() == 3 and (ref > 0).float().mean() > 0.05  # the check sees much
    torch.testing.assert_close(torch.from_numpy(enc['heatmaps']), ref, rtol=0, atol=0)
