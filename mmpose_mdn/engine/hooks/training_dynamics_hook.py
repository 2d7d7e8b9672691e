"""Training dynamics of the shared backbone: each loss term's gradient there, and the step Adam takes."""
import json
import os.path as osp
from typing import Dict, Iterable, Optional, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS
from torch import Tensor


def adam_update(exp_avg: Tensor, exp_avg_sq: Tensor, step: int, lr: float, betas=(0.9, 0.999),
                eps: float = 1e-8) -> Tensor:
    """The parameter change of Adam's last step from its state (no weight decay, no AMSGrad):
    ``-lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - beta1^t)``, ``v_hat = v / (1 - beta2^t)``."""
    m_hat = exp_avg / (1 - betas[0]**step)
    v_hat = exp_avg_sq / (1 - betas[1]**step)
    return -lr * m_hat / (v_hat.sqrt() + eps)


def sum_of_squares(tensors: Iterable[Tensor]) -> Tuple[float, int]:
    """The sum of squares over all entries of the tensors, and their count."""
    total, count = 0.0, 0
    for t in tensors:
        total += float(t.double().square().sum())
        count += t.numel()
    return total, count


def l2_norm(tensors: Iterable[Tensor]) -> float:
    """The L2 norm of all entries of the tensors together."""
    return sum_of_squares(tensors)[0]**0.5


def rms(tensors: Iterable[Tensor]) -> float:
    """Root mean square over all entries of the tensors (0 for none)."""
    total, count = sum_of_squares(tensors)
    return (total / count)**0.5 if count else 0.0


@HOOKS.register_module()
class TrainingDynamicsHook(Hook):
    """Every ``interval`` iterations, what reaches the shared backbone:

    - ``grad_norm/<loss>``: the L2 norm over all backbone parameters of each loss term's gradient (as weighted in
      the total loss), and ``grad_norm/total`` of their sum, from the iteration's own batch, computed by an extra
      forward pass before the step (the backbone's normalisation statistics are restored afterwards, so the run
      trains exactly as without the hook);
    - after the step, from Adam's state: ``adam/step_rms``, the RMS over backbone entries of the parameter change
      (:func:`adam_update`), ``adam/sqrt_v_rms``, the RMS of sqrt(v_hat) (Adam's memory of the gradients'
      scale: the step is lr * m_hat / sqrt(v_hat)), and ``adam/grad_rms``, the RMS of the step's gradient
      estimate ``m_hat``.

    Each record is logged with the losses and appended, one json line per iteration, to ``work_dir/out_file``
    (a resumed run appends; readers keep the last record of an iteration).

    Args:
        interval (int): iterations between records (iteration 0 included). Defaults to 25
        out_file (str): file name in the work dir. Defaults to ``'training_dynamics.jsonl'``
    """
    priority = 'LOW'

    def __init__(self, interval: int = 25, out_file: str = 'training_dynamics.jsonl'):
        if interval < 1:
            raise ValueError(f'TrainingDynamicsHook interval must be >= 1, got {interval}')
        self.interval, self.out_file = interval, out_file
        self._record: Optional[Dict[str, float]] = None

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self._record = None
        if runner.iter % self.interval or data_batch is None:
            return
        model = self._model(runner)
        params = [p for p in model.backbone.parameters() if p.requires_grad]
        buffers = {name: b.clone() for name, b in model.named_buffers()}
        with runner.optim_wrapper.optim_context(model):
            data = model.data_preprocessor(data_batch, True)
            losses = model.loss(data['inputs'], data['data_samples'])
        record, total = {'iter': runner.iter}, [torch.zeros_like(p) for p in params]
        terms = {k: v for k, v in losses.items() if k.startswith('loss') and v.requires_grad}
        for i, (name, value) in enumerate(terms.items()):
            grads = torch.autograd.grad(value, params, retain_graph=i < len(terms) - 1, allow_unused=True)
            grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]
            record[f'grad_norm/{name}'] = l2_norm(grads)
            total = [t + g for t, g in zip(total, grads)]
        record['grad_norm/total'] = l2_norm(total)
        with torch.no_grad():
            for name, b in model.named_buffers():
                b.copy_(buffers[name])
        self._record = record

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self._record is None:
            return
        model, optimizer = self._model(runner), runner.optim_wrapper.optimizer
        backbone = {id(p) for p in model.backbone.parameters()}
        steps, sqrt_v, grads = [], [], []
        for group in optimizer.param_groups:
            for p in group['params']:
                state = optimizer.state.get(p, {})
                if id(p) not in backbone or 'exp_avg_sq' not in state:
                    continue
                t = int(state['step'])
                steps.append(adam_update(state['exp_avg'], state['exp_avg_sq'], t, group['lr'], group['betas'],
                                         group['eps']))
                sqrt_v.append((state['exp_avg_sq'] / (1 - group['betas'][1]**t)).sqrt())
                grads.append(state['exp_avg'] / (1 - group['betas'][0]**t))
        record = dict(self._record, **{'adam/step_rms': rms(steps), 'adam/sqrt_v_rms': rms(sqrt_v),
                                       'adam/grad_rms': rms(grads)})
        for key, value in record.items():
            if key != 'iter':
                runner.message_hub.update_scalar(f'train/{key}', value)
        with open(osp.join(runner.work_dir, self.out_file), 'a') as f:
            f.write(json.dumps(record) + '\n')
        self._record = None


def read_dynamics(path: str) -> Dict[int, Dict[str, float]]:
    """The records of a :class:`TrainingDynamicsHook` file by iteration (the last record of each iteration)."""
    with open(path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    return {r['iter']: r for r in records}
