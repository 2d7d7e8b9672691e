"""Checkpoints load with torch's weights-only unpickler (mmengine's types pass, anything else is refused), and only
into the model they fit (another model's checkpoint fails naming the file and keys, except for fine-tuning).
tests/test_utils/test_plain_mmpose.py checks that nothing changes before one of our models is built."""
import argparse
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

from conftest import MINI_MDN, ROOT, call_tool, data_dir
from mmpose_mdn.utils.checkpoint import CheckpointMismatchError, register_weights_only_loader


def test_mmengine_types_load_weights_only(tmp_path):
    register_weights_only_loader()
    path = tmp_path / 'ok.pth'
    loss = HistoryBuffer()
    loss.update(1.0)
    loss.update(2.0)
    torch.save(dict(state_dict=dict(w=torch.ones(2)),
                    meta=dict(dataset_meta=dict(sigmas=np.ones(17, np.float32), flip_indices=[0, 2, 1]),
                              seed=np.int64(3)),
                    message_hub=dict(log_scalars=dict(loss=loss))), path)
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert np.array_equal(ckpt['meta']['dataset_meta']['sigmas'], np.ones(17))
    assert ckpt['message_hub']['log_scalars']['loss'].mean() == 1.5


@pytest.mark.parametrize('payload,named', [(argparse.Namespace(x=1), 'argparse.Namespace'),
                                           (np.ndarray.tofile, 'not allowed')])
def test_other_types_are_refused_naming_the_file(tmp_path, payload, named):
    """Another class, and getattr reaching anything but HistoryBuffer's statistics (here ndarray.tofile)."""
    register_weights_only_loader()
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(2)), meta=payload), path)
    with pytest.raises(pickle.UnpicklingError) as err:
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert str(path) in str(err.value) and named in str(err.value)


MINI_BASE = 'configs/mdn/hg-tiny_base_coco-mini.py'  # the L1 base model of MINI_MDN


def save_model_checkpoint(config: str, path, keep=lambda key: True):
    """An mmengine-style checkpoint of ``config``'s freshly built model (the weights ``keep`` selects)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(ROOT / config).model)
    torch.save(dict(state_dict={k: v for k, v in model.state_dict().items() if keep(k)}, meta=dict()), path)
    return model


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """MDN3, L1, backbone-only and stem-less checkpoints of the coco-mini configs."""
    d = tmp_path_factory.mktemp('ckpt')
    save_model_checkpoint(MINI_MDN, d / 'mdn3.pth')
    save_model_checkpoint(MINI_BASE, d / 'l1.pth')
    save_model_checkpoint(MINI_MDN, d / 'backbone.pth', keep=lambda k: k.startswith('backbone.'))
    save_model_checkpoint(MINI_MDN, d / 'no_stem_conv.pth', keep=lambda k: k != 'backbone.stem.0.conv.weight')
    return d


@pytest.mark.parametrize('name,found', [('l1.pth', 'with another shape (first: head.stacks.0.keypoint_offset'),
                                        ('backbone.pth', '48 missing (first: head.stacks.0.centre_heatmap'),
                                        ('no_stem_conv.pth', '1 missing (first: backbone.stem.0.conv.weight)')])
def test_init_model_refuses_another_models_checkpoint(checkpoints, name, found):
    from mmpose.apis import init_model
    with pytest.raises(CheckpointMismatchError) as err:
        init_model(str(ROOT / MINI_MDN), str(checkpoints / name), device='cpu')
    assert str(checkpoints / name) in str(err.value) and found in str(err.value), str(err.value)


def test_init_model_loads_its_own_checkpoint(checkpoints):
    from mmpose.apis import init_model
    model = init_model(str(ROOT / MINI_MDN), str(checkpoints / 'mdn3.pth'), device='cpu')
    saved = torch.load(checkpoints / 'mdn3.pth', weights_only=True)['state_dict']
    assert all(torch.equal(v, saved[k]) for k, v in model.state_dict().items())


@pytest.mark.slow
def test_test_tool_and_demo_refuse_an_l1_checkpoint_in_an_mdn_config(checkpoints):
    """Before: exit 0, a size-mismatch warning and metrics of a random offset branch."""
    image = sorted(data_dir('coco_test4').glob('*.jpg'))[0]
    for tool in (('tools/test.py', MINI_MDN, checkpoints / 'l1.pth', '--cfg-options',
                  f'data_root={data_dir("coco_mini")}'), ('demo/image_demo.py', image, MINI_MDN, checkpoints / 'l1.pth')):
        proc = call_tool(*tool, check=False)
        assert proc.returncode != 0, tool
        assert 'CheckpointMismatchError' in proc.stderr and str(checkpoints / 'l1.pth') in proc.stderr, proc.stderr[-3000:]
        assert 'head.stacks.0.keypoint_offset' in proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize('name,listed', [('l1.pth', '4 with another shape (first: head.stacks.0.keypoint_offset.2.'
                                                    'weight: checkpoint (34, 32, 1, 1), model (111, 32, 1, 1)'),
                                         ('backbone.pth', '48 missing (first: head.stacks.0.centre_heatmap.0.weight')])
def test_fine_tuning_from_another_model_loads_what_fits_and_says_what_not(checkpoints, tmp_path, name, listed):
    """tools/train.py with load_from (an L1 or a backbone-only checkpoint): what fits is loaded, the rest listed."""
    proc = call_tool('tools/train.py', MINI_MDN, '--work-dir', tmp_path, '--no-validate', '--cfg-options',
                    f'load_from={checkpoints / name}', f'data_root={data_dir("coco_mini")}', 'train_cfg.max_epochs=1',
                    'train_dataloader.dataset.indices=4')
    log = proc.stdout + proc.stderr
    assert f'fine-tuning from checkpoint {checkpoints / name}: these weights of the CenterNetPoseEstimator are left as initialised: ' \
           f'{listed}' in log, log[-3000:]
    assert (tmp_path / 'epoch_1.pth').is_file()
