"""Piecewise-linear schedules of the MDN loss's gate and responsibility options over training iterations."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from ...models.losses.mdn_loss import MDNLoss

Schedule = Sequence[Tuple[int, float]]


@HOOKS.register_module()
class MDNLossScheduleHook(Hook):
    """Sets attributes of the head's :class:`MDNLoss` before every training iteration from (iteration, value)
    points, linearly interpolated in between and held constant outside them (``np.interp``), and logs them beside
    the losses. Set from the runner's iteration counter, so a resumed run continues the schedule where it stopped.

    Example: the gate's gradient x1 until iteration 1000, rising to x30 by 1200, while the responsibility floor
    anneals from 0.5 to 0 over the first 1000::

        custom_hooks = [dict(type='MDNLossScheduleHook', pi_weight=[(1000, 1.0), (1200, 30.0)],
                             responsibility_floor=[(0, 0.5), (1000, 0.0)])]

    Args:
        pi_weight, responsibility_floor (list[tuple[int, float]], optional): the schedule of that
            :class:`MDNLoss` attribute; iterations strictly increasing
    """
    priority = 'NORMAL'

    def __init__(self, pi_weight: Optional[Schedule] = None, responsibility_floor: Optional[Schedule] = None):
        self.schedules: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
        for name, points in (('pi_weight', pi_weight), ('responsibility_floor', responsibility_floor)):
            if points is None:
                continue
            pts = np.asarray(points, dtype=np.float64)
            if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0 or (np.diff(pts[:, 0]) <= 0).any():
                raise ValueError(f'MDNLossScheduleHook {name} must be (iteration, value) pairs with strictly '
                                 f'increasing iterations, got {points!r}')
            self.schedules[name] = pts[:, 0], pts[:, 1]
        if not self.schedules:
            raise ValueError('MDNLossScheduleHook needs a schedule: pi_weight and/or responsibility_floor')

    def values_at(self, iteration: int) -> Dict[str, float]:
        """The scheduled values at a (0-based) training iteration."""
        return {name: float(np.interp(iteration, its, vals)) for name, (its, vals) in self.schedules.items()}

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        loss = getattr(getattr(model, 'head', None), 'offset_loss', None)
        if not isinstance(loss, MDNLoss):
            raise TypeError('MDNLossScheduleHook schedules model.head.offset_loss, which must be an MDNLoss; got '
                            f'{type(loss).__name__} (is this an L1 base-model config?)')
        for name, value in self.values_at(runner.iter).items():
            setattr(loss, name, value)
            runner.message_hub.update_scalar(f'train/{name}', value)  # logged with the losses
