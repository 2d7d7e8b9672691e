"""TrainingDynamicsHook: each loss term's gradient on the backbone against separate backward passes, Adam's step
against the parameter change torch's Adam makes, and a run that trains exactly as without the hook."""
import copy
import json
from types import SimpleNamespace

import pytest
import torch
from conftest import coco_mini_batch, tiny_estimator_cfg
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

from mmpose_mdn.engine import TrainingDynamicsHook
from mmpose_mdn.engine.hooks.training_dynamics_hook import adam_update, read_dynamics

INPUT = (128, 128)


def test_adam_update_is_torchs_step():
    torch.manual_seed(0)
    p = torch.nn.Parameter(torch.randn(50))
    opt = torch.optim.Adam([p], lr=3e-3, betas=(0.8, 0.99), eps=1e-6)
    for _ in range(5):
        before = p.detach().clone()
        p.grad = torch.randn(50) * torch.rand(1) * 10
        opt.step()
        state = opt.state[p]
        torch.testing.assert_close(adam_update(state['exp_avg'], state['exp_avg_sq'], int(state['step']), 3e-3,
                                               (0.8, 0.99), 1e-6), p.detach() - before)


@pytest.mark.parametrize('num_components', [None, 3])
def test_hook_records_what_reaches_the_backbone(num_components, tmp_path):
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(tiny_estimator_cfg(num_components, INPUT))
    batch = coco_mini_batch(INPUT, train=True)
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    runner = SimpleNamespace(iter=0, model=model, optim_wrapper=optim, work_dir=str(tmp_path),
                             message_hub=MessageHub.get_instance(f'dynamics_test_{num_components}'))
    reference = copy.deepcopy(model)
    hook = TrainingDynamicsHook(interval=2)
    hook.before_train_iter(runner, 0, batch)
    for (name, b), ref in zip(model.named_buffers(), reference.buffers()):
        torch.testing.assert_close(b, ref, msg=f'{name} changed by the extra forward pass')

    # the reference: each loss term's own backward pass, the gradient read off the backbone's .grad
    data = reference.data_preprocessor(batch, True)
    losses = reference.loss(data['inputs'], data['data_samples'])
    offset_key = 'loss_offset' if num_components is None else 'loss_mdn'
    expected, total = {}, 0
    for name in ('loss_centre', 'loss_kpt_heatmap', 'loss_box_size', 'loss_centre_offset', 'loss_kpt_subpixel',
                 offset_key):
        reference.zero_grad()
        losses[name].backward(retain_graph=True)
        grads = [p.grad.clone() if p.grad is not None else torch.zeros_like(p) for p in reference.backbone.parameters()]
        expected[name] = float(torch.sqrt(sum(g.double().square().sum() for g in grads)))
        total = grads if total == 0 else [t + g for t, g in zip(total, grads)]
    expected['total'] = float(torch.sqrt(sum(g.double().square().sum() for g in total)))

    before = [p.detach().clone() for p in model.backbone.parameters()]
    model.train_step(batch, optim)
    hook.after_train_iter(runner, 0, batch)
    change = torch.cat([(p.detach() - b).flatten() for p, b in zip(model.backbone.parameters(), before)])
    record = read_dynamics(tmp_path / 'training_dynamics.jsonl')[0]
    for name, value in expected.items():
        assert record[f'grad_norm/{name}'] == pytest.approx(value, rel=1e-4), name
    assert record['adam/step_rms'] == pytest.approx(float(change.double().square().mean().sqrt()), rel=1e-4)
    assert runner.message_hub.get_scalar('train/adam/step_rms').current() == record['adam/step_rms']

    runner.iter = 1  # off the interval: nothing recorded
    hook.before_train_iter(runner, 1, batch)
    hook.after_train_iter(runner, 1, batch)
    assert len((tmp_path / 'training_dynamics.jsonl').read_text().splitlines()) == 1
    assert json.loads((tmp_path / 'training_dynamics.jsonl').read_text())['iter'] == 0


def test_optimizer_state_reset_restarts_adam():
    """After the reset Adam steps as a fresh Adam would from the same weights (its bias correction restarts)."""
    from mmpose_mdn.engine import OptimizerStateResetHook
    torch.manual_seed(0)
    p = torch.nn.Parameter(torch.randn(20))
    opt = torch.optim.Adam([p], lr=1e-2)
    for _ in range(3):
        p.grad = torch.randn(20) * 100  # a spike
        opt.step()
    runner = SimpleNamespace(iter=3, optim_wrapper=SimpleNamespace(optimizer=opt),
                             logger=SimpleNamespace(info=lambda msg: None))
    OptimizerStateResetHook(iters=[3]).before_train_iter(runner, 3)
    fresh_p = torch.nn.Parameter(p.detach().clone())
    fresh = torch.optim.Adam([fresh_p], lr=1e-2)
    grad = torch.randn(20) * 0.01
    p.grad, fresh_p.grad = grad.clone(), grad.clone()
    opt.step()
    fresh.step()
    torch.testing.assert_close(p.detach(), fresh_p.detach())
    with pytest.raises(ValueError, match='iters'):
        OptimizerStateResetHook(iters=[0])
