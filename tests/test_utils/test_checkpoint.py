"""Checkpoints load with torch's weights-only unpickler: mmengine's types pass, anything else is refused."""
import argparse
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader


def test_mmengine_types_load_weights_only(tmp_path):
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
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(2)), meta=payload), path)
    with pytest.raises(pickle.UnpicklingError) as err:
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert str(path) in str(err.value) and named in str(err.value)
