"""Forget the optimizer's running moments at given iterations (e.g. after the MDN's start-up gradient spike)."""
from typing import Sequence

from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class OptimizerStateResetHook(Hook):
    """Clears the optimizer's per-parameter state (Adam: m, v and the step count, so bias correction restarts)
    before the training iterations ``iters`` (0-based, as ``runner.iter``), logging it. Adam's second moment
    (beta2 = 0.999) remembers a gradient spike for thousands of iterations, keeping the steps of every term that
    shares those parameters small long after the spike is gone; a reset lets v follow the gradients of now.
    A run resumed past a reset keeps the state of its checkpoint.

    Args:
        iters (list[int]): the iterations before which the state is cleared
    """
    priority = 'LOW'

    def __init__(self, iters: Sequence[int]):
        if not iters or any(int(i) != i or i < 1 for i in iters):
            raise ValueError(f'OptimizerStateResetHook iters must be positive integers, got {iters!r}')
        self.iters = {int(i) for i in iters}

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if runner.iter in self.iters:
            runner.optim_wrapper.optimizer.state.clear()
            runner.logger.info(f'OptimizerStateResetHook: optimizer state cleared before iteration {runner.iter}')
