"""mmengine checkpoints under torch >= 2.6, where ``torch.load`` defaults to ``weights_only=True``.

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; its checkpoints hold numpy arrays (dataset meta,
message-hub buffers) and ``HistoryBuffer`` objects, which the weights-only unpickler refuses. Rather than switch
the safe unpickler off (a pickle from the internet can run code), the types mmengine stores are allow-listed and
mmengine's loader for local files is replaced by one that keeps ``weights_only=True`` and, for a file needing
anything else, raises an error naming the file and the type.
"""
import os.path as osp
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


def mmengine_safe_globals() -> list:
    """The non-tensor types found in checkpoints written by mmengine's Runner (and mmpose's dataset meta)."""
    from numpy.core.multiarray import _reconstruct, scalar
    dtypes = [type(np.dtype(t)) for t in ('bool', 'uint8', 'int32', 'int64', 'float16', 'float32', 'float64',
                                          'str', 'object')]
    return [_reconstruct, scalar, np.ndarray, np.dtype, HistoryBuffer, *dtypes]


def load_local_checkpoint(filename: str, map_location=None):
    """mmengine's local-file loader with ``weights_only=True`` and a clear error for a disallowed type."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise pickle.UnpicklingError(
            f'checkpoint {filename} holds a type that is not allow-listed for weights-only loading. mmpose_mdn '
            'allows the types mmengine stores; if you trust this file, allow its type too with '
            'torch.serialization.add_safe_globals([...]) before loading. torch said: '
            f'{str(err).splitlines()[0]}') from err


def allow_mmengine_checkpoints() -> None:
    """Allow-list mmengine's checkpoint types and make mmengine load local files through the loader above."""
    torch.serialization.add_safe_globals(mmengine_safe_globals())
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)
