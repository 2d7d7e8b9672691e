"""demo/onnx_demo.py on the session checkpoint's --with-decode export: it runs with torch, mmcv, mmpose and
mmengine unimportable, and its JSON equals demo/image_demo.py's (PyTorch) on real photos, within the export's
tolerances (keypoints 0.5 image pixels, scores 1e-3)."""
import json
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest

from conftest import MINI_MDN, ROOT, data_dir, load_script

THR = 0.05  # the 3-epoch checkpoint's centre scores stay below 0.1 (as in test_image_demo)
BLOCKED = ('torch', 'torchvision', 'mmcv', 'mmengine', 'mmpose', 'mmdet', 'mmpose_mdn')


@pytest.fixture(scope='module')
def without_torch(tmp_path_factory) -> dict:
    """An environment whose Python cannot import :data:`BLOCKED` (a ``sitecustomize`` that refuses them)."""
    folder = tmp_path_factory.mktemp('blocker')
    (folder / 'sitecustomize.py').write_text(textwrap.dedent(f'''\
        import sys
        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split('.')[0] in {BLOCKED!r}:
                    raise ImportError(name + ' is blocked: the ONNX demo must run without it')
        sys.meta_path.insert(0, Blocker())
        '''))
    env = {'PYTHONPATH': str(folder), 'PATH': '/usr/bin:/bin', 'OMP_NUM_THREADS': '1'}
    probe = subprocess.run([sys.executable, '-c', 'import torch'], env=env, capture_output=True, text=True)
    assert probe.returncode == 1 and 'torch is blocked' in probe.stderr  # the blocker works
    return env


def onnx_demo(env, *args):
    proc = subprocess.run([sys.executable, str(ROOT / 'demo' / 'onnx_demo.py'), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)
    return proc


def assert_same_people(ours, reference):
    """onnx_demo's people equal image_demo's, in their (best-first) order."""
    assert len(ours) == len(reference) > 0
    assert all(o.keys() == r.keys() for o, r in zip(ours, reference))
    np.testing.assert_allclose([p['keypoints'] for p in ours], [p['keypoints'] for p in reference], atol=0.5)
    np.testing.assert_allclose([p['bbox'] for p in ours], [p['bbox'] for p in reference], atol=0.5)
    for field in ('bbox_score', 'keypoint_scores', 'mixture_probs'):
        np.testing.assert_allclose([p[field] for p in ours], [p[field] for p in reference], atol=1e-3)
    for field in ('sigma', 'keypoint_sigma'):
        np.testing.assert_allclose([p[field] for p in ours], [p[field] for p in reference], rtol=1e-3)
    assert [p['component'] for p in ours] == [p['component'] for p in reference]


def test_folder_and_video_without_torch_equal_image_demo(people_onnx, mini_checkpoint, without_torch, tmp_path):
    """Two photos (a grey one among them) and a 2-frame video of them: the same people as image_demo's, drawn."""
    onnx_file, _ = people_onnx
    photos = sorted(data_dir('coco_test4').glob('*.jpg'))[:2]
    folder = tmp_path / 'photos'
    folder.mkdir()
    cv2.imwrite(str(folder / photos[0].name), cv2.imread(str(photos[0])))
    cv2.imwrite(str(folder / photos[1].name), cv2.imread(str(photos[1]), cv2.IMREAD_GRAYSCALE))
    proc = onnx_demo(without_torch, onnx_file, folder, '--output-root', tmp_path / 'onnx', '--save-predictions',
                     '--bbox-thr', THR, '--draw-bbox')
    assert proc.returncode == 0, proc.stderr
    assert '2 of 2 files processed' in proc.stdout
    image_demo = load_script('demo/image_demo.py')
    assert image_demo.main([str(folder), str(ROOT / MINI_MDN), str(mini_checkpoint), '--output-root',
                            str(tmp_path / 'torch'), '--save-predictions', '--bbox-thr', str(THR), '--device',
                            'cpu']) == 0
    for photo in photos:
        ours = json.loads((tmp_path / 'onnx' / f'{photo.stem}.json').read_text())
        assert_same_people(ours, json.loads((tmp_path / 'torch' / f'{photo.stem}.json').read_text()))
        drawn, original = cv2.imread(str(tmp_path / 'onnx' / photo.name)), cv2.imread(str(folder / photo.name))
        assert drawn.shape == original.shape and (drawn != original).any()

    video = tmp_path / 'clip.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 5, (320, 240))
    for photo in photos:
        writer.write(cv2.resize(cv2.imread(str(photo)), (320, 240)))
    writer.release()
    proc = onnx_demo(without_torch, onnx_file, video, '--output-root', tmp_path / 'onnx', '--save-predictions',
                     '--bbox-thr', THR)
    assert proc.returncode == 0 and '2 frames processed' in proc.stdout, proc.stderr
    assert image_demo.main([str(video), str(ROOT / MINI_MDN), str(mini_checkpoint), '--output-root',
                            str(tmp_path / 'torch'), '--save-predictions', '--bbox-thr', str(THR), '--device',
                            'cpu']) == 0
    frames = [json.loads((tmp_path / d / 'clip.json').read_text()) for d in ('onnx', 'torch')]
    assert [f['frame_id'] for f in frames[0]] == [0, 1]
    for ours, reference in zip(*frames):
        assert_same_people(ours['instances'], reference['instances'])


def test_a_maps_export_and_bad_inputs_are_named(people_onnx, without_torch, tmp_path):
    """A graph without decoding is refused, saying how to export one; a broken image is skipped by name."""
    from mmpose.apis import init_model

    from mmpose_mdn.deployment import export_onnx
    model = init_model(str(ROOT / MINI_MDN), None, device='cpu')
    export_onnx(model, str(tmp_path / 'maps.onnx'), (256, 256))
    proc = onnx_demo(without_torch, tmp_path / 'maps.onnx', data_dir('coco_test4'))
    assert proc.returncode == 1 and 'outputs the raw maps; export it with --with-decode' in proc.stderr
    (tmp_path / 'broken.jpg').write_bytes(b'\xff\xd8 not really a jpeg')
    proc = onnx_demo(without_torch, people_onnx[0], tmp_path / 'broken.jpg')
    assert proc.returncode == 1
    assert f'{tmp_path / "broken.jpg"}: skipped: not an image file, or one that cannot be decoded' in proc.stdout
