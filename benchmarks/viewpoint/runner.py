"""One run of the viewpoint experiment, in-process: a model of ``configs/viewpoint/`` trained and tested on one
seed's scenes with mmengine's Runner (the configs ``tools/train.py --no-validate`` and ``tools/test.py --dump`` build
from the same ``--cfg-options``), then its components at the centres and the viewpoint probe. :func:`run_all` runs
each in a fresh spawned process (with ``--jobs 1``, in this one); a run's output goes to ``train.log`` and
``test.log`` in its folder, the end of each epoch also to the console. :func:`checkpoint_command` is the command
line of an analysis of any checkpoint."""
import argparse
import json
import os
import os.path as osp
import re
import sys
import time
from contextlib import contextmanager, redirect_stderr, redirect_stdout

from mmpose_mdn.experiments.processes import run_jobs
from mmpose_mdn.experiments.repository import ROOT

MODELS = dict(L1='hg-tiny_base_viewpoint', MDN1='hg-tiny_mdn1_viewpoint', MDN2='hg-tiny_mdn2_viewpoint',
              MDN3='hg-tiny_mdn3_viewpoint')
# the share of people whose viewpoint cue is hidden in the configs' data (configs/_base_/datasets/
# viewpoint_bottomup.py): the regime of the paper's claim, where a single mode must average (round 3)
HIDDEN_CUE = 0.5
EPOCHS = 20  # the configs' schedule (configs/viewpoint/_base_/schedule_viewpoint.py), 100 iterations each
# images per split, and epochs overriding the config's 20 (None: the config's schedule)
SIZES = dict(full=dict(train=800, val=200, epochs=None), quick=dict(train=48, val=16, epochs=1))
EPOCH_END = re.compile(r'(Epoch\((?:train|test)\)\s*(?:\[\d+\])?\[\s*(\d+)/(\d+)\]).*?((?:loss|coco/AP): [-\d.]+)')


def log(msg: str) -> None:
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', flush=True)


def model_config(name: str) -> str:
    return osp.join(ROOT, 'configs', 'viewpoint', MODELS[name] + '.py')


def run_options(seed: int, data_root: str, sizes: dict, hidden_cue: float) -> dict:
    """The cfg options of a run: every dataloader and evaluator on one seed's data, and the schedule of ``sizes``
    (its shape kept: lr x0.1 for the last 15 %)."""
    options = {'randomness.seed': seed, 'val_evaluator.0.ann_file': f'{data_root}/annotations/viewpoint_val.json',
               'test_evaluator.0.ann_file': f'{data_root}/annotations/viewpoint_val.json'}
    for loader, split in (('train', 'train'), ('val', 'val'), ('test', 'val')):
        options.update({f'{loader}_dataloader.dataset.{key}': value for key, value in dict(
            data_root=f'{data_root}/', seed=seed, num_images=sizes[split], hidden_cue=hidden_cue).items()})
    n = sizes['epochs']
    if n:
        options.update({'train_cfg.max_epochs': n, 'param_scheduler.1.end': n, 'default_hooks.checkpoint.interval': n,
                        'param_scheduler.1.milestones': [max(1, round(0.85 * n))]})
    if sizes['train'] < 100:
        options['default_hooks.logger.interval'] = 1
    return options


class Progress:
    """A run's output: every line into its log file, the end of each epoch (loss, AP) also onto ``console``."""

    def __init__(self, log_file, tag: str, console):
        self.log_file, self.tag, self.console = log_file, tag, console

    def write(self, text: str) -> int:
        for epoch in filter(None, map(EPOCH_END.search, text.splitlines())):
            if epoch.group(2) == epoch.group(3):
                print(f'    {self.tag}: {epoch.group(1)} {epoch.group(4)}', file=self.console, flush=True)
        return self.log_file.write(text)

    def flush(self) -> None:
        self.log_file.flush()


@contextmanager
def logged(path: str, tag: str):
    """The run's output into ``path``, its progress onto the stdout in effect before (the console, or a caller's)."""
    with open(path, 'w') as f, redirect_stdout(Progress(f, tag, sys.stdout)), redirect_stderr(f):
        yield


def train_and_test(run: dict) -> dict:
    """Train and test ``run['config']`` with the cfg options ``run['options']`` in ``run['work_dir']``; with
    ``run['components']`` also :func:`summarise_components` on the val split, with ``run['probe']``
    :func:`viewpoint_probe`, of ``run['data_root']``. Returns the metrics, those analyses and the wall times."""
    tag, work_dir = run['tag'], run['work_dir']
    log(f'{tag}: train + test')
    os.makedirs(work_dir, exist_ok=True)
    with logged(osp.join(work_dir, 'train.log'), tag):
        import torch
        from mmengine.config import Config
        from mmengine.runner import Runner
        from mmpose.apis import init_model

        from mmpose_mdn.utils.config import check_run_length, merge_cfg_options, visualizer_per_run
        from mmpose_mdn.viewpoint import centre_components, summarise_components, viewpoint_probe
        start = time.time()
        cfg = visualizer_per_run(merge_cfg_options(Config.fromfile(run['config']), run['options']))
        check_run_length(cfg)
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.launcher, cfg.work_dir, cfg.experiment_name = 'none', work_dir, f'train_{time.time_ns()}'
        Runner.from_cfg(cfg).train()
        result = dict(train_s=time.time() - start, components=None)
    checkpoint = open(osp.join(work_dir, 'last_checkpoint')).read().strip()
    with logged(osp.join(work_dir, 'test.log'), tag):
        start = time.time()
        cfg = visualizer_per_run(merge_cfg_options(Config.fromfile(run['config']), run['options']))
        cfg.launcher, cfg.work_dir, cfg.experiment_name = 'none', work_dir, f'test_{time.time_ns()}'
        cfg.load_from = checkpoint
        cfg.test_evaluator = [*cfg.test_evaluator, dict(type='DumpResults',
                                                        out_file_path=osp.join(work_dir, 'predictions.pkl'))]
        result.update(metrics=Runner.from_cfg(cfg).test(), test_s=time.time() - start)
        if run.get('components') or run.get('probe'):
            torch.manual_seed(0)
            model = init_model(run['config'], checkpoint, device='cpu')  # another model's checkpoint fails
        if run.get('components'):
            result['components'] = summarise_components(centre_components(model, run['data_root'], 'val'))
        if run.get('probe'):
            result['probe'] = viewpoint_probe(model, run['data_root'])
    m = result['metrics']
    log(f'{tag}: AP {m["coco/AP"]:.3f}, AR {m["coco/AR"]:.3f}, left/right order {m["viewpoint/lr_order"]:.3f}'
        + (f', viewpoint agreement {m["viewpoint/agreement"]:.3f}' if 'viewpoint/agreement' in m else '')
        + f' (train {result["train_s"]:.0f} s, test {result["test_s"]:.0f} s)')
    return result


def run_all(runs: list, jobs: int):
    """Yield (run, result) of :func:`train_and_test` as each finishes, ``jobs`` at once, each in a fresh spawned
    process (no torch state shared), or, with one job, in this process one after another; one torch thread a run,
    and one OpenMP thread in the spawned processes unless OMP_NUM_THREADS says otherwise (oversubscribed threads made
    training 3-6x slower on 2 cores)."""
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    yield from run_jobs(train_and_test, runs, jobs)


def checkpoint_command(description: str, analyse, argv=None, split: bool = False) -> None:
    """``CONFIG CHECKPOINT DATA_ROOT [--split SPLIT] [--out FILE.json]``: prints ``analyse(model, data_root[,
    split])`` of the checkpoint's model on a viewpoint-scene root as json, and writes it to ``--out``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('data_root', help='a viewpoint-scene root (annotations/ and <split>/)')
    if split:
        parser.add_argument('--split', default='val')
    parser.add_argument('--out', help='also write the result as json here')
    args = parser.parse_args(argv)
    import torch
    from mmpose.apis import init_model
    torch.manual_seed(0)
    model = init_model(args.config, args.checkpoint, device='cpu')  # another model's checkpoint fails
    result = analyse(model, args.data_root, *([args.split] if split else []))
    print(json.dumps(result, indent=1))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)
