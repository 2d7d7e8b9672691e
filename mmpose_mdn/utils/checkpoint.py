"""mmengine checkpoints under torch >= 2.6, where ``torch.load`` defaults to ``weights_only=True``, and
checkpoints that must fit the model they are loaded into.

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; its checkpoints hold numpy arrays (dataset meta,
message-hub buffers) and ``HistoryBuffer`` objects, which the weights-only unpickler refuses. Rather than switch
the safe unpickler off (a pickle from the internet can run code), :func:`register_weights_only_loader` registers,
through mmengine's extension point for checkpoint loaders, a loader for local files that keeps
``weights_only=True``, allows the types mmengine stores while it reads, and, for a file needing anything else,
raises an error naming the file and the type. Every ``CenterNetPoseEstimator`` registers it when built; until then
mmengine and torch are as they were.
"""
import logging
import os.path as osp
import pickle
import re
from collections import OrderedDict
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import CheckpointLoader

# key of the model's (the root module's) state-dict metadata naming the checkpoint file it was read from
SOURCE_KEY = 'mmpose_mdn_source'


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
    """mmengine's local-file loader with ``weights_only=True``, mmengine's types allowed while it reads
    (:func:`mmengine_safe_globals`), a clear error for any other type, and the file named in the state dict
    (:func:`name_source`)."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        with torch.serialization.safe_globals(mmengine_safe_globals()):
            return name_source(torch.load(filename, map_location=map_location, weights_only=True), filename)
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


def name_source(checkpoint, filename: str):
    """``checkpoint`` whose state dict (``checkpoint['state_dict']``, or the checkpoint itself) names ``filename``
    in its metadata: mmengine keeps a state dict's ``_metadata`` when it copies the weights into a model, and
    ``metadata['']`` is what the model's ``load_state_dict`` pre-hooks receive as ``local_metadata``, so
    :func:`require_matching_weights` can name the file."""
    if not isinstance(checkpoint, dict):
        return checkpoint
    nested = isinstance(checkpoint.get('state_dict'), dict)
    state = checkpoint['state_dict'] if nested else checkpoint
    named = OrderedDict(state)
    named._metadata = OrderedDict(getattr(state, '_metadata', {}))
    named._metadata[''] = {**named._metadata.get('', {}), SOURCE_KEY: filename}
    return {**checkpoint, 'state_dict': named} if nested else named


def register_weights_only_loader() -> None:
    """Make mmengine read local checkpoint files with :func:`load_local_checkpoint` (``CheckpointLoader``'s
    scheme for paths without a prefix, replaced).

    Called by every ``CenterNetPoseEstimator`` when it is built, so ``init_model``, the Runner (``load_from``,
    ``resume``) and the inferencers load checkpoints of our configs under ``weights_only=True``; calling it again
    changes nothing. torch's own allow-list (``torch.serialization.get_safe_globals()``) is never changed.
    """
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)


class CheckpointMismatchError(RuntimeError):
    """A checkpoint whose weights do not fit the model it is loaded into."""


@contextmanager
def partial_loading(model: torch.nn.Module) -> Iterator[None]:
    """Within this block a checkpoint loaded into ``model`` (or into the model a wrapper holds) need not fit it:
    :func:`require_matching_weights` logs what it could not load instead of raising, for fine-tuning from another
    model's checkpoint (``tools/train.py --cfg-options load_from=FILE``). Sets ``model.load_partially``."""
    model = model.module if is_model_wrapper(model) else model
    before, model.load_partially = getattr(model, 'load_partially', False), True
    try:
        yield
    finally:
        model.load_partially = before


def require_matching_weights(module: torch.nn.Module, state_dict: dict, prefix: str, local_metadata: dict,
                             *args) -> None:
    """``load_state_dict`` pre-hook: every weight of ``module`` must be in the checkpoint, with its shape, and the
    checkpoint must hold no other weight under ``module``'s prefix.

    mmengine (``init_model``, ``Runner`` with ``load_from``) loads with ``strict=False`` and only logs a mismatch,
    so an L1 checkpoint in an MDN config would be evaluated with a randomly initialised offset branch. Here a
    mismatch raises :class:`CheckpointMismatchError` naming the file (from ``local_metadata``, see
    :func:`name_source`) and the first keys, except while ``module.load_partially`` (:func:`partial_loading`),
    where it is logged and loading goes on with what fits.
    """
    own = module.state_dict()
    missing = [prefix + k for k in own if prefix + k not in state_dict]
    shapes = [f'{prefix + k}: checkpoint {tuple(state_dict[prefix + k].shape)}, model {tuple(v.shape)}'
              for k, v in own.items() if prefix + k in state_dict and state_dict[prefix + k].shape != v.shape]
    unexpected = [k for k in state_dict if k.startswith(prefix) and k[len(prefix):] not in own]
    if not (missing or shapes or unexpected):
        return
    source = f'checkpoint {local_metadata[SOURCE_KEY]}' if SOURCE_KEY in local_metadata else 'the state dict'
    found = '; '.join(
        f'{len(keys)} {what} (first: {", ".join(keys[:3])})'
        for what, keys in (('missing', missing), ('with another shape', shapes), ('unexpected', unexpected)) if keys)
    what = f'{type(module).__name__}' + (f' ({prefix.rstrip(".")})' if prefix else '')
    if getattr(module, 'load_partially', False):
        print_log(f'fine-tuning from {source}: these weights of the {what} are left as initialised: {found}',
                  logger='current', level=logging.WARNING)
        return
    raise CheckpointMismatchError(
        f'{source} does not fit this {what}: {found}. It '
        'was trained with another config (L1 vs MDN, another number of components, stacks or widths?). Use the '
        'config it was trained with; to fine-tune from it, train with --cfg-options load_from=FILE, which loads '
        'what fits and lists the rest.')
