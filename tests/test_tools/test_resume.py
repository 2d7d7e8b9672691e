"""A run killed with SIGKILL inside an epoch resumes from its last iteration checkpoint with tools/train.py
--resume: same weights, optimizer and lr-schedule state, the interrupted epoch's remaining batches in their
order, and it ends at the configured end."""
import copy
import os
import signal
import subprocess
import sys
import time

import torch
from mmengine.config import Config
from mmengine.dataset import DefaultSampler
from mmengine.hooks import Hook
from mmengine.runner import Runner

from conftest import MINI_MDN, ROOT, call_tool, load_script, mini_data_options, scalars
from mmpose_mdn.utils import load_local_checkpoint

N, KILL_AFTER, PER_EPOCH, EPOCHS = 3, 4, 6, 2  # 24 images: checkpoint every 3 iterations; killed in iteration 5 of 12


def tool(name):
    return load_script(f'tools/{name}.py')


def train_args(work_dir):
    return [MINI_MDN, '--work-dir', str(work_dir), '--no-validate', '--cfg-options', *mini_data_options(),
            f'train_dataloader.dataset.indices={4 * PER_EPOCH}', f'train_cfg.max_epochs={EPOCHS}',
            'default_hooks.logger.interval=1',
            'default_hooks.checkpoint.by_epoch=False', f'default_hooks.checkpoint.interval={N}',
            'default_hooks.checkpoint.max_keep_ckpts=-1']


def kill_during_iteration(work_dir):
    """Start training and SIGKILL it once iteration KILL_AFTER has been logged."""
    proc = subprocess.Popen([sys.executable, str(ROOT / 'tools/train.py'), *train_args(work_dir)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if any(r.get('iter', 0) >= KILL_AFTER for r in scalars(work_dir)):
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    assert proc.wait(60) == -signal.SIGKILL, f'training ended before it could be killed:\n{proc.stderr.read()}'


class Probe(Hook):
    """Records the state the resumed run starts from and the batches it trains."""

    def __init__(self):
        self.start, self.batches = None, []

    def before_train(self, runner):
        self.start = copy.deepcopy(dict(  # state_dict()s hold the live tensors, which training then updates
            iter=runner.iter, epoch=runner.epoch, state=runner.model.state_dict(),
            optimizer=runner.optim_wrapper.state_dict(), schedulers=[s.state_dict() for s in runner.param_schedulers]))

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.batches.append((runner.iter, batch_idx, [s.metainfo['img_path'] for s in data_batch['data_samples']]))


def assert_same(a, b, where):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            assert_same(a[k], b[k], f'{where}.{k}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f'{where}[{i}]')
    else:
        assert a == b, f'{where}: {a} != {b}'


def test_sigkill_mid_epoch_then_resume(tmp_path):
    work_dir = tmp_path / 'run'
    kill_during_iteration(work_dir)
    assert (work_dir / f'iter_{N}.pth').is_file() and not (work_dir / f'iter_{2 * N}.pth').exists()

    train = tool('train')
    cfg = train.merge_args(Config.fromfile(ROOT / MINI_MDN), train.parse_args([*train_args(work_dir), '--resume']))
    runner = Runner.from_cfg(cfg)
    probe = Probe()
    runner.register_hook(probe, 'LOWEST')
    runner.train()

    ckpt = load_local_checkpoint(work_dir / f'iter_{N}.pth')  # weights-only, mmengine's types allow-listed
    assert probe.start['iter'] == N and probe.start['epoch'] == 0 and ckpt['meta']['iter'] == N
    assert_same(probe.start['state'], ckpt['state_dict'], 'state_dict')
    assert_same(probe.start['optimizer'], ckpt['optimizer'], 'optimizer')
    assert_same(probe.start['schedulers'], ckpt['param_schedulers'], 'param_schedulers')

    # iterations N..17 ran once each, the first epoch's from batch N on, in the interrupted run's sample order
    assert [(i, b) for i, b, _ in probe.batches] == [(i, i % PER_EPOCH) for i in range(N, EPOCHS * PER_EPOCH)]
    dataset = runner.train_dataloader.dataset
    order = list(DefaultSampler(dataset, shuffle=True, seed=ckpt['meta']['seed']))
    resumed_epoch = [p for i, _, paths in probe.batches if i < PER_EPOCH for p in paths]
    assert resumed_epoch == [dataset.get_data_info(i)['img_path'] for i in order[4 * N:]]

    assert runner.iter == EPOCHS * PER_EPOCH
    call_tool('tools/test.py', MINI_MDN, work_dir / f'iter_{EPOCHS * PER_EPOCH}.pth', '--work-dir', tmp_path / 'test',
              '--out', tmp_path / 'test.json', '--cfg-options', *mini_data_options(),
              'test_dataloader.dataset.indices=12')  # the resumed checkpoint tests
