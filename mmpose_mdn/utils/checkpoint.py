"""mmengine checkpoints under torch >= 2.6, where ``torch.load`` defaults to ``weights_only=True``.

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; its checkpoints hold numpy arrays (dataset meta,
message-hub buffers) and ``HistoryBuffer`` objects, which the weights-only unpickler refuses. Rather than switch
the safe unpickler off (a pickle from the internet can run code), the types mmengine stores are allow-listed and
mmengine's loader for local files is replaced by one that keeps ``weights_only=True`` and, for a file needing
anything else, raises an error naming the file and the type.
"""
import os.path as osp
import pickle
import re

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


def history_buffer_method(owner, name: str):
    """``getattr`` as mmengine's checkpoints use it, and nothing more.

    A ``HistoryBuffer`` pickles its statistics methods (``HistoryBuffer.mean``, ...) as
    ``builtins.getattr(HistoryBuffer, 'mean')``. Allow-listing the real ``getattr`` would let a checkpoint reach
    any attribute of any allowed type; this stand-in, registered under that name, resolves only those methods.
    """
    # the built-in statistics (filled into _statistics_methods by the first HistoryBuffer) and registered ones
    if owner is HistoryBuffer and name in {'min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods}:
        return getattr(owner, name)
    raise pickle.UnpicklingError(f'getattr({owner!r}, {name!r}) is not allowed in a checkpoint')


def mmengine_safe_globals() -> list:
    """The non-tensor types found in checkpoints written by mmengine's Runner (and mmpose's dataset meta)."""
    from numpy.core.multiarray import _reconstruct, scalar
    dtypes = [type(np.dtype(t)) for t in ('bool', 'uint8', 'int32', 'int64', 'float16', 'float32', 'float64',
                                          'str', 'object')]
    return [_reconstruct, scalar, np.ndarray, np.dtype, HistoryBuffer, *dtypes,
            (history_buffer_method, 'builtins.getattr')]


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
            f'{_reason(err)}') from err


def _reason(err: Exception) -> str:
    """The part of torch's weights-only error that says what was refused."""
    text = str(err)
    found = re.search(r'Unsupported global: GLOBAL \S+', text)
    if found:
        return found.group(0)
    after = text.split('WeightsUnpickler error:', 1)[-1]
    return next((line.strip() for line in after.splitlines() if line.strip()), text)


def allow_mmengine_checkpoints() -> None:
    """Allow-list mmengine's checkpoint types and make mmengine load local files through the loader above."""
    torch.serialization.add_safe_globals(mmengine_safe_globals())
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)
