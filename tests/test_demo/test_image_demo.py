"""demo/image_demo.py on real photos of ../shared/data with the checkpoint trained in this session: folders,
single images, videos and each bad input. Predictions are checked against mmpose's own ``inference_bottomup``
reading the same picture (its loader, not the demo's)."""
import json
import shutil

import cv2
import numpy as np
import pytest
from mmpose.apis import inference_bottomup, init_model
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from PIL import Image, ImageOps

from conftest import MINI_MDN, ROOT, data_dir, load_script, run_tool

THR = 0.05  # the 3-epoch checkpoint's centre scores stay below 0.1: a threshold that keeps some candidates


@pytest.fixture(scope='module')
def demo():
    return load_script('demo/image_demo.py')


@pytest.fixture(scope='module')
def model(mini_checkpoint):
    return init_model(str(ROOT / MINI_MDN), str(mini_checkpoint), device='cpu',
                      cfg_options={'model.test_cfg.score_thr': THR})


@pytest.fixture(scope='module')
def photos():
    return sorted(data_dir('coco_test4').glob('*.jpg'))


def run_demo(demo, mini_checkpoint, source, out_dir, *extra):
    """The demo in this process (the model loaded as the command loads it): its exit code."""
    return demo.main([str(source), str(ROOT / MINI_MDN), str(mini_checkpoint), '--output-root', str(out_dir),
                      '--save-predictions', '--bbox-thr', str(THR), '--device', 'cpu', *map(str, extra)])


def assert_same_people(saved, reference):
    """The demo's JSON people equal mmpose's inference_bottomup's pred_instances (image pixels)."""
    assert len(saved) == len(reference) > 0
    np.testing.assert_allclose([p['keypoints'] for p in saved], reference.keypoints, atol=1e-3)
    np.testing.assert_allclose([p['bbox'][0] for p in saved], reference.bboxes, atol=1e-3)
    np.testing.assert_allclose([p['bbox_score'] for p in saved], reference.bbox_scores, atol=1e-6)
    assert [p['component'] for p in saved] == reference.components.tolist()
    np.testing.assert_allclose([p['mixture_probs'] for p in saved], reference.mixture_probs, atol=1e-6)
    np.testing.assert_allclose([p['sigma'] for p in saved], reference.sigmas, atol=1e-3)
    v = np.array(parse_pose_metainfo(CocoDataset.METAINFO)['sigmas'])  # sigma * v_k, each keypoint's std
    np.testing.assert_allclose([p['keypoint_sigma'] for p in saved], reference.sigmas[:, None] * v[:, None],
                               rtol=1e-4)


def assert_sigma_in_image_pixels(people, image_shape):
    """σ is floored at min_sigma = 10 output pixels, 40 model-input pixels of the 256-px input: in image pixels
    that floor is 40 * (the image's long side / 256) (the input fits the long side)."""
    floor = 10 * 4 * max(image_shape[:2]) / 256
    assert min(min(p['sigma']) for p in people) >= floor * (1 - 1e-5), floor


def test_folder_drawn_with_progress_and_predictions_per_image(mini_checkpoint, model, photos, tmp_path):
    """The command on a folder of two photos: both drawn at their size, one JSON each with 17 keypoints, the
    component, π (summing to 1) and σ (image pixels) per person, equal to mmpose's inference on the files; the
    best-scoring people are centred inside the image."""
    folder = tmp_path / 'photos'
    folder.mkdir()
    for photo in photos[:2]:
        shutil.copy(photo, folder)
    out = run_tool('demo/image_demo.py', folder, MINI_MDN, mini_checkpoint, '--output-root', tmp_path / 'out',
                   '--save-predictions', '--bbox-thr', THR, '--draw-bbox', '--show-kpt-sigma', '--device', 'cpu')
    assert 'Inference' in out.stdout and '2 of 2 files processed' in out.stdout  # the progress bar, the summary
    for photo in photos[:2]:
        original, drawn = cv2.imread(str(photo)), cv2.imread(str(tmp_path / 'out' / photo.name))
        assert drawn.shape == original.shape and (drawn != original).any()
        people = json.loads((tmp_path / 'out' / f'{photo.stem}.json').read_text())
        assert_same_people(people, inference_bottomup(model, str(photo))[0].pred_instances)
        for p in people:
            assert np.shape(p['keypoints']) == (17, 2) and len(p['keypoint_scores']) == 17
            assert 0 <= p['component'] < 3 and abs(sum(p['mixture_probs']) - 1) < 1e-5 and min(p['sigma']) > 0
        assert_sigma_in_image_pixels(people, original.shape)
        boxes = np.array([p['bbox'][0] for p in people[:3]])
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        assert ((centres >= 0) & (centres < original.shape[1::-1])).all(), centres


def test_single_image_default_threshold_returns_people_not_candidates(demo, mini_checkpoint, photos, tmp_path,
                                                                      capsys):
    """--out-file draws one image; the default --bbox-thr (0.3) keeps only people: none from this checkpoint,
    whose 100 candidates all score below 0.1."""
    photo = photos[0]
    assert demo.main([str(photo), str(ROOT / MINI_MDN), str(mini_checkpoint), '--out-file',
                      str(tmp_path / 'vis.jpg'), '--save-predictions', '--device', 'cpu']) == 0
    assert f'{photo}: 0 people' in capsys.readouterr().out
    assert json.loads((tmp_path / f'{photo.stem}.json').read_text()) == []
    drawn = cv2.imread(str(tmp_path / 'vis.jpg'))
    assert drawn.shape == cv2.imread(str(photo)).shape
    assert run_demo(demo, mini_checkpoint, photo, tmp_path / 'low', '--bbox-thr', 0.0) == 0
    assert len(json.loads((tmp_path / 'low' / f'{photo.stem}.json').read_text())) == 100


def test_a_runs_config_without_a_visualizer_name_twice_in_one_process(demo, mini_checkpoint, photos, tmp_path):
    """A run's dumped config names no visualizer (the experiments drop the name, visualizer_per_run); each call
    builds its own, so the second call draws with its own settings (no π labels), not the first call's."""
    from mmengine.config import Config
    cfg = Config.fromfile(ROOT / MINI_MDN)
    cfg.visualizer.pop('name', None)
    cfg.dump(tmp_path / 'run.py')
    drawn = []
    for name, extra in (('pi.jpg', ['--show-pi']), ('plain.jpg', [])):
        assert demo.main([str(photos[0]), str(tmp_path / 'run.py'), str(mini_checkpoint), '--out-file',
                          str(tmp_path / name), '--bbox-thr', '0', '--draw-bbox', '--device', 'cpu', *extra]) == 0
        drawn.append(cv2.imread(str(tmp_path / name)).astype(int))
    assert np.abs(drawn[0] - drawn[1]).max() > 100  # the π labels


def test_video_drawn_frame_by_frame(demo, mini_checkpoint, model, photos, tmp_path):
    """A 3-frame video of real photos: a drawn video of 3 frames and one prediction list per frame."""
    video = tmp_path / 'clip.mp4'
    frames = [cv2.resize(cv2.imread(str(p)), (320, 240)) for p in photos[:3]]
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 5, (320, 240))
    for frame in frames:
        writer.write(frame)
    writer.release()
    assert run_demo(demo, mini_checkpoint, video, tmp_path / 'out') == 0
    drawn = cv2.VideoCapture(str(tmp_path / 'out' / 'clip.mp4'))
    assert int(drawn.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    predictions = json.loads((tmp_path / 'out' / 'clip.json').read_text())
    assert [f['frame_id'] for f in predictions] == [0, 1, 2]
    decoded = cv2.VideoCapture(str(video))
    for entry in predictions:
        ok, frame = decoded.read()
        assert_same_people(entry['instances'], inference_bottomup(model, frame)[0].pred_instances)


# ------------------------------------------------------------------------------------------------ bad input
def test_video_without_frames_is_named_and_fails(demo, mini_checkpoint, tmp_path, capsys):
    (tmp_path / 'clip.mp4').write_text('not a video')
    assert run_demo(demo, mini_checkpoint, tmp_path / 'clip.mp4', tmp_path / 'out') == 1
    assert f'{tmp_path / "clip.mp4"}: skipped: no frame could be decoded' in capsys.readouterr().out


def test_missing_path_is_named_and_fails(demo, mini_checkpoint, tmp_path, capsys):
    assert run_demo(demo, mini_checkpoint, tmp_path / 'nowhere.jpg', tmp_path / 'out') == 1
    assert f'{tmp_path / "nowhere.jpg"}: skipped: no such file or folder' in capsys.readouterr().out


def test_empty_folder_is_named_and_fails(demo, mini_checkpoint, tmp_path, capsys):
    (tmp_path / 'empty').mkdir()
    assert run_demo(demo, mini_checkpoint, tmp_path / 'empty', tmp_path / 'out') == 1
    assert f'{tmp_path / "empty"}: skipped: empty folder' in capsys.readouterr().out


def test_non_image_file_skipped_rest_of_folder_processed(demo, mini_checkpoint, photos, tmp_path, capsys):
    folder = tmp_path / 'in'
    folder.mkdir()
    (folder / 'notes.jpg').write_text('not a picture')
    shutil.copy(photos[0], folder)
    assert run_demo(demo, mini_checkpoint, folder, tmp_path / 'out') == 0
    out = capsys.readouterr().out
    assert f'{folder / "notes.jpg"}: skipped: not an image file' in out and '1 of 2 files processed' in out
    assert (tmp_path / 'out' / photos[0].name).is_file() and not (tmp_path / 'out' / 'notes.json').exists()


def test_truncated_jpeg_skipped_and_alone_fails(demo, mini_checkpoint, photos, tmp_path, capsys):
    folder = tmp_path / 'in'
    folder.mkdir()
    data = photos[0].read_bytes()
    (folder / 'cut.jpg').write_bytes(data[:len(data) * 2 // 3])
    shutil.copy(photos[1], folder)
    assert run_demo(demo, mini_checkpoint, folder, tmp_path / 'out') == 0
    out = capsys.readouterr().out
    assert f'{folder / "cut.jpg"}: skipped: JPEG data that cannot be decoded (truncated or corrupt)' in out
    assert (tmp_path / 'out' / f'{photos[1].stem}.json').is_file()
    assert run_demo(demo, mini_checkpoint, folder / 'cut.jpg', tmp_path / 'out2') == 1  # nothing processed


def run_one(demo, mini_checkpoint, path, tmp_path):
    """The demo on one file: its JSON people and drawn image."""
    assert run_demo(demo, mini_checkpoint, path, tmp_path / 'out') == 0
    return (json.loads((tmp_path / 'out' / f'{path.stem}.json').read_text()),
            cv2.imread(str(tmp_path / 'out' / path.name), cv2.IMREAD_UNCHANGED))


def test_grayscale_png_as_three_equal_channels(demo, mini_checkpoint, model, photos, tmp_path):
    grey = cv2.cvtColor(cv2.imread(str(photos[0])), cv2.COLOR_BGR2GRAY)
    cv2.imwrite(str(tmp_path / 'grey.png'), grey)
    people, drawn = run_one(demo, mini_checkpoint, tmp_path / 'grey.png', tmp_path)
    reference = inference_bottomup(model, cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR))[0].pred_instances
    assert_same_people(people, reference)
    assert drawn.shape == (*grey.shape, 3)


def test_rgba_png_alpha_dropped(demo, mini_checkpoint, model, photos, tmp_path):
    bgr = cv2.imread(str(photos[0]))
    rgba = cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)
    rgba[..., 3] = 128
    cv2.imwrite(str(tmp_path / 'rgba.png'), rgba)
    people, drawn = run_one(demo, mini_checkpoint, tmp_path / 'rgba.png', tmp_path)
    assert_same_people(people, inference_bottomup(model, bgr)[0].pred_instances)
    assert drawn.shape == bgr.shape


def test_16bit_png_scaled_to_8bit(demo, mini_checkpoint, model, photos, tmp_path):
    bgr = cv2.imread(str(photos[1]))
    cv2.imwrite(str(tmp_path / 'deep.png'), bgr.astype(np.uint16) * 257)  # 0..255 -> 0..65535
    people, drawn = run_one(demo, mini_checkpoint, tmp_path / 'deep.png', tmp_path)
    assert_same_people(people, inference_bottomup(model, bgr)[0].pred_instances)
    assert drawn.shape == bgr.shape and drawn.dtype == np.uint8


def test_exif_rotated_photo_read_upright(demo, mini_checkpoint, model, photos, tmp_path):
    """A photo stored rotated by 90° with EXIF orientation 6 ("rotate 90° clockwise to view"): drawn and predicted
    upright, as PIL's exif_transpose shows it."""
    stored = Image.open(photos[0]).transpose(Image.Transpose.ROTATE_90)  # the pixels as a rotated camera saves them
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(tmp_path / 'rotated.jpg', exif=exif, quality=95)
    upright = np.asarray(ImageOps.exif_transpose(Image.open(tmp_path / 'rotated.jpg')).convert('RGB'))[..., ::-1]
    assert upright.shape[:2] == Image.open(photos[0]).size[::-1]  # (H, W) of the original photo
    people, drawn = run_one(demo, mini_checkpoint, tmp_path / 'rotated.jpg', tmp_path)
    assert drawn.shape == upright.shape
    assert_same_people(people, inference_bottomup(model, np.ascontiguousarray(upright))[0].pred_instances)


def test_8000x6000_image(demo, mini_checkpoint, model, photos, tmp_path):
    """A 48-megapixel photo: processed and drawn at full size, predictions in its pixels (mmpose's loader on the
    same file agrees)."""
    big = cv2.resize(cv2.imread(str(photos[0])), (8000, 6000), interpolation=cv2.INTER_LINEAR)
    cv2.imwrite(str(tmp_path / 'big.jpg'), big, [cv2.IMWRITE_JPEG_QUALITY, 80])
    people, drawn = run_one(demo, mini_checkpoint, tmp_path / 'big.jpg', tmp_path)
    assert drawn.shape == (6000, 8000, 3)
    assert_same_people(people, inference_bottomup(model, str(tmp_path / 'big.jpg'))[0].pred_instances)
    assert np.ptp([p['keypoints'] for p in people], axis=(0, 1)).max() > 1000  # image, not model-input, pixels
    assert_sigma_in_image_pixels(people, drawn.shape)
