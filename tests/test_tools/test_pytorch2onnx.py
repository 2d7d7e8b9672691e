"""tools/deployment/pytorch2onnx.py on the session's coco-mini MDN3 checkpoint: the exported network (maps, or
with --with-decode the people) runs in onnxruntime with a batch of any size, matches PyTorch on real images
(--verify), and an export of another model's weights is refused by the same check, naming the difference; an int8
export quantizes every convolution and is judged by its AP."""
import json
import re

import cv2
import numpy as np
import pytest
import torch
from conftest import (MINI_MDN, ROOT, call_tool, coco_mini_copy, data_dir, load_script, mini_data_options,
                      optional_module)


@pytest.fixture(scope='module')
def exported(mini_checkpoint, tmp_path_factory):
    """The export of the session's checkpoint, verified on the first 6 val images of coco_mini (a copy)."""
    optional_module('onnxruntime', 'deploy')
    tmp = tmp_path_factory.mktemp('onnx')
    data = coco_mini_copy(tmp / 'coco_mini', train=1, val=6)
    proc = call_tool('tools/deployment/pytorch2onnx.py', MINI_MDN, mini_checkpoint, '--out', tmp / 'tiny.onnx',
                     '--dynamic-batch', '--verify', '--cfg-options', *mini_data_options(data))
    return tmp / 'tiny.onnx', proc.stdout


def test_export_verifies_on_the_configs_test_set(exported):
    """--verify on the config's test set (6 images): the same people and the same AP."""
    out, stdout = exported
    assert 'input (B, 3, 256, 256), outputs box_size, centre_heatmap, centre_offset, keypoint_heatmaps' in stdout
    assert 'verify on 6 images' in stdout and 'verify: passed' in stdout
    both, alone = map(int, re.search(r'(\d+) people found by both runtimes, (\d+) by one alone', stdout).groups())
    assert both > 250 and alone <= 0.01 * both  # the check compared people, not empty lists
    ap_torch, ap_onnx = map(float, re.search(r', AP ([\d.]+) \(PyTorch\) / ([\d.]+) \(onnxruntime\)', stdout).groups())
    assert abs(ap_onnx - ap_torch) <= 1e-3


def test_int8_export_quantizes_every_convolution(exported, mini_checkpoint, tmp_path):
    """--quantize int8 (calibrated on 2 training images, checked by its AP on 2 val images): every Conv reads its
    input and weights through DequantizeLinear, the metadata says so, and the maps stay within quantization error
    of the float32 export's (not equal: something was quantized)."""
    import onnx
    import onnxruntime
    data = coco_mini_copy(tmp_path / 'coco_mini', train=3, val=2)
    proc = call_tool('tools/deployment/pytorch2onnx.py', MINI_MDN, mini_checkpoint, '--out', tmp_path / 'int8.onnx',
                     '--dynamic-batch', '--quantize', 'int8', '--calib-images', '2', '--verify', '--cfg-options',
                     *mini_data_options(data))
    assert 'convolutions in int8, calibrated on 2 training images' in proc.stdout
    assert re.search(r'verify on 2 images: AP [\d.]+ \(PyTorch\) / [\d.]+ \(onnxruntime, int8\)', proc.stdout)
    graph = onnx.load(tmp_path / 'int8.onnx')
    made_by = {out: node.op_type for node in graph.graph.node for out in node.output}
    convs = [node for node in graph.graph.node if node.op_type == 'Conv']
    assert len(convs) > 20 and all(made_by.get(i) == 'DequantizeLinear' for c in convs for i in c.input[:2])
    meta = json.loads({p.key: p.value for p in graph.metadata_props}['mmpose_mdn'])
    assert meta['quantized'] == 'int8' and meta['calibration_images'] == 2 and meta['outputs'] == 'maps'
    x = np.random.default_rng(0).normal(0, 1, (2, 3, 256, 256)).astype(np.float32)
    f32, i8 = (onnxruntime.InferenceSession(str(f), providers=['CPUExecutionProvider'])
               for f in (exported[0], tmp_path / 'int8.onnx'))
    for name, a, b in zip([o.name for o in f32.get_outputs()], f32.run(None, {'input': x}), i8.run(None, {'input': x})):
        if 'heatmap' in name:  # probabilities
            assert 0 < np.abs(a - b).max() < 0.05, name


def test_an_int8_export_that_loses_ap_is_refused():
    from mmpose_mdn.deployment import check_ap_drop
    worst = dict(metrics=[{'coco/AP': 0.30}, {'coco/AP': 0.285}])
    check_ap_drop(worst, 'm.onnx', 0.02)
    with pytest.raises(ValueError, match=r'm.onnx \(int8\) loses AP: 0.2850 against PyTorch\'s 0.3000'):
        check_ap_drop(worst, 'm.onnx', 0.01)
    with pytest.raises(ValueError, match='needs the config\'s test set'):
        check_ap_drop(dict(), 'm.onnx', 0.01)


def test_any_batch_size_and_the_same_maps_as_pytorch(exported, mini_checkpoint):
    from mmpose.apis import init_model

    from mmpose_mdn.deployment import OnnxRuntime
    out, _ = exported
    model = init_model(str(ROOT / MINI_MDN), str(mini_checkpoint), device='cpu').eval()
    inputs = torch.randn(3, 3, 256, 256, generator=torch.Generator().manual_seed(0))
    theirs = OnnxRuntime(str(out))(inputs)
    with torch.no_grad():
        ours = model.head.predict_maps(model.extract_feat(inputs))
    assert sorted(theirs) == sorted(ours)
    for name, maps in ours.items():
        assert theirs[name].shape == maps.shape and maps.shape[0] == 3
        np.testing.assert_allclose(theirs[name].numpy(), maps.numpy(), atol=1e-4, err_msg=name)


def test_another_models_export_is_refused(exported, mini_checkpoint, tmp_path):
    """The untrained model's network against the session checkpoint's: --verify's check fails, naming it."""
    from mmpose.apis import init_model

    from mmpose_mdn.deployment import check_parity, compare_on_images, export_onnx
    untrained = init_model(str(ROOT / MINI_MDN), None, device='cpu')
    export_onnx(untrained, str(tmp_path / 'untrained.onnx'), (256, 256))
    model = init_model(str(ROOT / MINI_MDN), str(mini_checkpoint), device='cpu')
    images = [dict(img_path=str(p)) for p in sorted(data_dir('coco_test4').glob('*.jpg'))[:2]]
    with pytest.raises(ValueError, match='untrained.onnx disagrees with PyTorch: [0-9]+ of [0-9]+ people found by one'):
        check_parity(compare_on_images(model, str(tmp_path / 'untrained.onnx'), images),
                     str(tmp_path / 'untrained.onnx'))


def test_decoded_export_verifies_on_the_configs_test_set(people_onnx):
    """--with-decode: dets, keypoints and the MDN outputs; the same people and AP on the 4 images."""
    _, stdout = people_onnx
    assert ('outputs dets, keypoints, components, mixture_probs, sigmas, component_keypoints, component_sigmas'
            in stdout)
    assert 'verify on 4 images' in stdout and 'verify: passed' in stdout and 'maps differ' not in stdout
    both, alone = map(int, re.search(r'(\d+) people found by both runtimes, (\d+) by one alone', stdout).groups())
    assert both > 250 and alone <= 0.01 * both
    ap_torch, ap_onnx = map(float, re.search(r', AP ([\d.]+) \(PyTorch\) / ([\d.]+) \(onnxruntime\)', stdout).groups())
    assert abs(ap_onnx - ap_torch) <= 1e-3


def test_decoded_people_equal_the_heads_decoding_at_any_batch_size(people_onnx, mini_checkpoint):
    """A batch of 3 real images: every output equals the head's own fixed-size decoding, all 100 candidates per
    image, in the mmdeploy shapes; the metadata names the preprocessing and the keypoints."""
    from mmengine.dataset import Compose, pseudo_collate
    from mmpose.apis import init_model

    from mmpose_mdn.deployment import OnnxRuntime
    out, _ = people_onnx
    model = init_model(str(ROOT / MINI_MDN), str(mini_checkpoint), device='cpu').eval()
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    photos = sorted(data_dir('coco_test4').glob('*.jpg'))[:3]
    batch = model.data_preprocessor(pseudo_collate([pipeline(dict(img_path=str(p))) for p in photos]), False)
    runtime = OnnxRuntime(str(out))
    theirs = runtime(batch['inputs'])
    with torch.no_grad():
        ours = model.head.decode_people(model.head.predict_maps(model.extract_feat(batch['inputs'])), model.test_cfg)
    assert theirs['dets'].shape == (3, 100, 5) and theirs['keypoints'].shape == (3, 100, 17, 3)
    assert theirs['component_keypoints'].shape == (3, 100, 3, 17, 3) and theirs['components'].shape == (3, 100)
    np.testing.assert_allclose(theirs['dets'][..., 4], ours['bbox_scores'], atol=1e-5)
    np.testing.assert_allclose(theirs['dets'][..., :4], ours['bboxes'], atol=1e-3)
    np.testing.assert_allclose(theirs['keypoints'][..., :2], ours['keypoints'], atol=1e-3)
    np.testing.assert_allclose(theirs['keypoints'][..., 2], ours['keypoint_scores'], atol=1e-5)
    np.testing.assert_allclose(theirs['component_keypoints'][..., :2], ours['component_keypoints'], atol=1e-3)
    assert (theirs['components'] == ours['components']).all()
    for name in ('mixture_probs', 'sigmas', 'component_sigmas'):
        np.testing.assert_allclose(theirs[name], ours[name], atol=1e-4, err_msg=name)
    assert (theirs['dets'][..., 4].diff(dim=1) <= 0).all()  # best first
    meta = runtime.meta
    assert meta['outputs'] == 'people' and meta['input_size'] == [256, 256] and meta['resize_mode'] == 'fit'
    assert meta['mean'] == [123.675, 116.28, 103.53] and meta['bgr_to_rgb'] and meta['num_components'] == 3
    assert meta['keypoint_names'][:2] == ['nose', 'left_eye'] and len(meta['sigmas']) == 17


def test_flip_test_inside_the_decoded_graph(people_onnx, mini_checkpoint, tmp_path):
    """A flip-test config's graph runs both passes and averages them as the head does: it verifies against
    PyTorch's flip test on two photos, and differs from the one-pass graph of the same checkpoint. The config's
    keypoint temperatures t_k travel in the metadata: the torch-free demo reports sigma v_k t_k."""
    from mmpose_mdn.deployment import OnnxRuntime
    photos = sorted(data_dir('coco_test4').glob('*.jpg'))[:2]
    t = np.linspace(0.5, 2.0, 17).round(3)
    flip = call_tool('tools/deployment/pytorch2onnx.py', MINI_MDN, mini_checkpoint, '--out', tmp_path / 'flip.onnx',
                     '--with-decode', '--verify', *photos, '--cfg-options', 'model.test_cfg.flip_test=True',
                     f'model.test_cfg.keypoint_temperatures=[{",".join(map(str, t))}]')
    assert 'verify on 2 images' in flip.stdout and 'verify: passed' in flip.stdout
    inputs = torch.randn(1, 3, 256, 256, generator=torch.Generator().manual_seed(0))
    dets = [OnnxRuntime(str(path))(inputs)['dets'] for path in (tmp_path / 'flip.onnx', people_onnx[0])]
    assert (dets[0] - dets[1]).abs().max() > 1e-3
    model = load_script('demo/onnx_demo.py').OnnxPoseModel(str(tmp_path / 'flip.onnx'))
    assert model.meta['keypoint_temperatures'] == t.tolist()
    people = model.predict([cv2.imread(str(photos[0]))], 0.0)[0]
    v = np.asarray(model.meta['sigmas'])
    np.testing.assert_allclose([p['keypoint_sigma'] for p in people],
                               [np.outer(v * t, p['sigma']) for p in people], rtol=1e-6)
