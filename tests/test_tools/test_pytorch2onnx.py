"""tools/deployment/pytorch2onnx.py on the session's coco-mini MDN3 checkpoint: the exported network runs in
onnxruntime with a batch of any size, matches PyTorch on real images (--verify), and an export of another model's
weights is refused by the same check, naming the difference."""
import re

import numpy as np
import pytest
import torch
from conftest import MINI_MDN, ROOT, call_tool, coco_mini_copy, data_dir, mini_data_options, optional_module


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


def test_any_batch_size_and_the_same_maps_as_pytorch(exported, mini_checkpoint):
    from mmpose.apis import init_model

    from mmpose_mdn.deployment import OnnxMaps
    out, _ = exported
    model = init_model(str(ROOT / MINI_MDN), str(mini_checkpoint), device='cpu').eval()
    inputs = torch.randn(3, 3, 256, 256, generator=torch.Generator().manual_seed(0))
    theirs = OnnxMaps(str(out))(inputs)
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
