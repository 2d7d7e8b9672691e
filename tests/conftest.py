"""Shared fixtures: the real COCO-format data beside the project (../shared/data)."""
import gc
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

import mmpose_mdn  # noqa: F401  registers the components, as custom_imports does for configs
from mmpose_mdn.experiments.repository import DATA, ROOT, load_script  # noqa: F401  the tests import them from here


# `make test-fast` (-m 'not slow') leaves out the tests that train, run a tool or a benchmark, or share the session's
# trained checkpoint; CI runs every test
SLOW_FOLDERS = ('test_tools', 'test_benchmarks', 'test_demo')
SLOW_FIXTURES = {'mini_checkpoint', 'mini_test_run', 'people_onnx'}


def pytest_configure(config):
    """mmengine lays out every config text it logs, dumps or stores in a checkpoint with yapf (0.1-0.3 s a call; the
    in-process tests make about 140 such calls); no test reads that layout, so in this process the text is kept as
    mmengine writes it before yapf (the same Python, unformatted; tools and tests load it back)."""
    import mmengine.config.config as mmengine_config
    mmengine_config.FormatCode = lambda text, **kwargs: (text, False)


def pytest_collection_finish(session):
    """Every dataset's full_init (mmengine serialises its data) runs gc.collect over the whole heap: about 0.4 s with
    torch, mmpose and the collected tests loaded; the objects that exist now live to the end of the session anyway,
    so they are left out of collections."""
    gc.freeze()


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.parent.name in SLOW_FOLDERS or SLOW_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)


def data_dir(name: str) -> Path:
    """A folder of ../shared/data; skips the test where it is absent, fails in CI (CI=true) instead."""
    path = DATA / name
    if not path.is_dir():
        absent(f'real data {path} is absent (set MDN_DATA to the folder holding coco_mini/, coco_test4/, ...)')
    return path


def absent(msg: str):
    """Skip the test for something it needs that is absent here; fail it in CI (CI=true), which must have it."""
    if os.environ.get('CI', '').lower() == 'true':
        pytest.fail(msg + ' -- CI must have it')
    pytest.skip(msg)


def optional_module(name: str, extra: str):
    """An optional dependency imported; skips the test where it is absent, fails in CI (CI=true) instead."""
    import importlib
    try:
        return importlib.import_module(name)
    except ImportError:
        absent(f'{name} is absent: install the {extra} extra (pip install -e .[{extra}], make install-{extra})')


def tiny_estimator_cfg(num_components=3, input_size=(128, 128), flip_test=False, refine=True):
    """The whole estimator through the registries: a 2-stack mmdet.HourglassNet of tiny widths and our head."""
    codec = dict(type='CenterNetPose', input_size=input_size, stride=4, refine=refine)
    return dict(
        type='CenterNetPoseEstimator',
        data_preprocessor=dict(
            type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True),
        backbone=dict(
            type='mmdet.HourglassNet', downsample_times=2, num_stacks=2, stage_channels=(16, 16, 24),
            stage_blocks=(1, 1, 1), feat_channel=16, norm_cfg=dict(type='BN', requires_grad=True)),
        head=dict(type='CenterNetMDNHead', in_channels=16, feat_channels=16, num_keypoints=17,
                  num_components=num_components, num_stacks=2, decoder=codec),
        test_cfg=dict(flip_test=flip_test))


META_KEYS = ('id', 'img_id', 'img_path', 'crowd_index', 'ori_shape', 'img_shape', 'input_size',
             'input_center', 'input_scale', 'flip', 'flip_direction', 'flip_indices', 'raw_ann_info')

# (folder, annotation file, image prefix) of each real set
SETS = {
    'coco_mini': ('coco_mini', 'annotations/person_keypoints_val2017.json', 'val2017/'),
    'coco_test4': ('coco_test4', 'test_coco.json', ''),
    'ochuman_test3': ('ochuman_test3', 'test_ochuman.json', ''),
}


def coco_mini_batch(input_size, train: bool, n: int = 2) -> dict:
    """The first n coco_mini images as a collated batch: train (random affine, flip, CenterNetPose targets) or
    val (fitted into ``input_size``, aspect kept) pipeline."""
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS
    split = 'train2017' if train else 'val2017'
    if train:
        codec = dict(type='CenterNetPose', input_size=input_size)
        pipeline = [dict(type='LoadImage'), dict(type='BottomupRandomAffine', input_size=input_size),
                    dict(type='RandomFlip', direction='horizontal'), dict(type='GenerateTarget', encoder=codec),
                    dict(type='PackPoseInputs')]
    else:
        pipeline = [dict(type='LoadImage'),
                    dict(type='BottomupResize', input_size=input_size, size_factor=32, resize_mode='fit'),
                    dict(type='PackPoseInputs', meta_keys=META_KEYS)]
    ds = DATASETS.build(dict(type='CocoDataset', data_root=str(data_dir('coco_mini')), data_mode='bottomup',
                             test_mode=not train, ann_file=f'annotations/person_keypoints_{split}.json',
                             data_prefix=dict(img=f'{split}/'), pipeline=pipeline))
    return pseudo_collate([ds[i] for i in range(n)])


def run_tool(*args, timeout=600, env=None, check=True):
    """Run one of the project's tools (a path under tools/ and its arguments) as a user would, from the repo root;
    on failure the assertion shows the tool's output."""
    import subprocess
    import sys
    script = str(ROOT / args[0])
    cmd = ['bash', script] if script.endswith('.sh') else [sys.executable, script]
    proc = subprocess.run([*cmd, *map(str, args[1:])], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    if check:
        assert proc.returncode == 0, f'{" ".join(map(str, args))} failed ({proc.returncode}):\n' \
                                     f'{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}'
    return proc


@dataclass
class ToolRun:
    """What a tool's command line would have given: its exit status and output (on an error, the traceback)."""
    returncode: int
    stdout: str
    stderr: str


_tool_ends = {}  # what names a run (a config's stem, a work dir) -> when the last in-process tool using it returned


def run_names(args) -> set:
    """What mmengine names a run by, of a tool call's arguments: each config's stem (its logger, visualizer and
    message hub: ``<stem>_<second>``) and each ``--work-dir`` or ``--out-dir`` (its log folder: ``<dir>/<second>``)."""
    args = [str(a) for a in args]
    return {Path(a).stem for a in args if a.endswith('.py')} | {
        b for a, b in zip(args, args[1:]) if a in ('--work-dir', '--out-dir')}


def call_tool(*args, check=True) -> ToolRun:
    """Run one of the project's tools in this process: its ``main`` with the arguments a user types after the
    script's path (``args[0]``, from the repo root), without starting Python, torch and mmpose again. An exception
    or ``SystemExit`` becomes the exit status and the traceback, as the command line would print them.

    mmengine names a run's logger, visualizer and log folder by its config or work dir and the second it starts, so
    two runs of one config (or in one work dir) started within one second would share them: a call starts in a later
    second than the last call that shared one of its :func:`run_names` returned."""
    import contextlib
    import io
    import time
    import traceback
    names = run_names(args[1:])
    last = max((_tool_ends[n] for n in names if n in _tool_ends), default=0.0)
    while int(time.time()) == int(last):
        time.sleep(0.05)
    import torch
    threads = torch.get_num_threads()  # a tool may set its own (benchmarks/speed.py: 1)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            returned = load_script(args[0]).main([str(a) for a in args[1:]])
            code = returned if isinstance(returned, int) else 0  # sys.exit(main()) of an int, else 0
        except SystemExit as e:  # argparse's errors, sys.exit('message')
            code = 0 if e.code is None else e.code if isinstance(e.code, int) else 1
            if not isinstance(e.code, int) and e.code is not None:
                err.write(str(e.code))
        except Exception:  # noqa: BLE001  the command line would print it and exit 1
            code = 1
            err.write(traceback.format_exc())
        finally:
            _tool_ends.update(dict.fromkeys(names, time.time()))
            torch.set_num_threads(threads)
    run = ToolRun(code, out.getvalue(), err.getvalue())
    if check:
        assert run.returncode == 0, f'{" ".join(map(str, args))} failed ({run.returncode}):\n' \
                                    f'{run.stdout[-4000:]}\n{run.stderr[-6000:]}'
    return run


def free_port() -> int:
    """A free TCP port for a torchrun launcher (tools/dist_*.sh read PORT)."""
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def scalars(work_dir) -> list:
    """The training log records mmengine wrote (vis_data/scalars.json), in order."""
    import json
    files = sorted(Path(work_dir).glob('*/vis_data/scalars.json'))
    return [json.loads(line) for f in files for line in f.read_text().splitlines() if line.strip()]


MINI_MDN = 'configs/mdn/hg-tiny_mdn3_coco-mini.py'


def mini_data_options(root: Path = None) -> list:
    """--cfg-options pointing a coco-mini config at the coco_mini folder found by data_dir (MDN_DATA aware), or at
    ``root`` laid out as coco_mini (:func:`coco_mini_copy`)."""
    root = f'{root or data_dir("coco_mini")}/'
    ann = root + SETS['coco_mini'][1]
    return [f'{split}_dataloader.dataset.data_root={root}' for split in ('train', 'val', 'test')] + [
        f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}']


def on_data(path: str) -> str:
    """A config's path under the ``shared/data`` folder beside the project, moved to :data:`DATA` (MDN_DATA aware;
    a fresh clone elsewhere has no ``../shared/data``); other paths unchanged."""
    marker = 'shared/data/'
    return f'{DATA}/{path.split(marker, 1)[1]}' if marker in str(path) else path


def data_options(config) -> list:
    """--cfg-options moving every dataloader's ``data_root`` and evaluator's ``ann_file`` of ``config`` (a path from
    the repository root) that lies under ``shared/data`` to :data:`DATA` (:func:`on_data`)."""
    from mmengine.config import Config
    cfg = Config.fromfile(ROOT / config)
    options = [f'{split}_dataloader.dataset.data_root={on_data(cfg[f"{split}_dataloader"].dataset.data_root)}'
               for split in ('train', 'val', 'test')]
    return options + [f'{e}_evaluator.ann_file={on_data(cfg[f"{e}_evaluator"].ann_file)}' for e in ('val', 'test')]


def coco_mini_copy(dst: Path, train: int = 8, val=5) -> Path:
    """``dst`` laid out as coco_mini with its first ``train`` / ``val`` images of each split (``val`` may also be a
    list of image ids) and their annotations (copies, free to corrupt); returns ``dst``."""
    import json
    import shutil
    src = data_dir('coco_mini')
    for split, count in (('train2017', train), ('val2017', val)):
        coco = json.loads((src / 'annotations' / f'person_keypoints_{split}.json').read_text())
        keep = None if isinstance(count, int) else set(count)
        coco['images'] = coco['images'][:count] if keep is None else [i for i in coco['images'] if i['id'] in keep]
        ids = {img['id'] for img in coco['images']}
        coco['annotations'] = [a for a in coco['annotations'] if a['image_id'] in ids]
        (dst / 'annotations').mkdir(parents=True, exist_ok=True)
        (dst / 'annotations' / f'person_keypoints_{split}.json').write_text(json.dumps(coco))
        (dst / split).mkdir()
        for img in coco['images']:
            shutil.copy(src / split / img['file_name'], dst / split / img['file_name'])
    return dst


@pytest.fixture(scope='session')
def mini_checkpoint(tmp_path_factory) -> Path:
    """A checkpoint of the coco-mini MDN3 config trained in this session: 3 epochs of coco_mini (27 iterations,
    each logged in the work dir beside it), seed 0."""
    work_dir = tmp_path_factory.mktemp('mini_checkpoint')
    call_tool('tools/train.py', MINI_MDN, '--work-dir', work_dir, '--no-validate', '--cfg-options',
              *mini_data_options(), 'train_cfg.max_epochs=3', 'default_hooks.checkpoint.interval=3',
              'default_hooks.logger.interval=1', 'randomness.seed=0')
    return work_dir / 'epoch_3.pth'


@pytest.fixture(scope='session')
def people_onnx(mini_checkpoint, tmp_path_factory) -> tuple:
    """The session checkpoint exported ``--with-decode --dynamic-batch`` and verified on the first 4 val images of
    coco_mini (a copy): the file and the tool's output."""
    optional_module('onnxruntime', 'deploy')
    tmp = tmp_path_factory.mktemp('people_onnx')
    data = coco_mini_copy(tmp / 'coco_mini', train=1, val=4)
    proc = call_tool('tools/deployment/pytorch2onnx.py', MINI_MDN, mini_checkpoint, '--out', tmp / 'people.onnx',
                     '--with-decode', '--dynamic-batch', '--verify', '--cfg-options', *mini_data_options(data))
    return tmp / 'people.onnx', proc.stdout


def xtcocotools_stats(gt: dict, results: list, sigmas, tmp_path) -> list:
    """COCOeval's ten keypoint statistics of a COCO results list on ground truth ``gt``, straight from
    xtcocotools with both written to json files (the independent reference of tests/test_evaluation)."""
    import json
    import numpy as np
    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval
    gt_file, res_file = tmp_path / 'reference_gt.json', tmp_path / 'reference_results.json'
    gt_file.write_text(json.dumps(gt))
    res_file.write_text(json.dumps(results))
    coco = COCO(str(gt_file))
    coco_eval = COCOeval(coco, coco.loadRes(str(res_file)), 'keypoints', np.asarray(sigmas), True)
    coco_eval.params.useSegm = None
    coco_eval.evaluate()
    coco_eval.accumulate()
    coco_eval.summarize()
    return list(coco_eval.stats)


ANALYSIS_HOOK = ['default_hooks.analysis.enable=True', 'default_hooks.analysis.seeds=[0]',
                 'default_hooks.analysis.displacements=[1]']


@pytest.fixture(scope='session')
def mini_test_run(mini_checkpoint, tmp_path_factory) -> tuple:
    """tools/test.py of the session's checkpoint on coco_mini val, once for every test that reads a test run:
    ``--out metrics.json`` (and CocoMetric's ``metrics.keypoints.json``), ``--dump preds.pkl``, ``--show-dir vis``
    and the analysis hook switched on. Returns its work dir and its log."""
    out = tmp_path_factory.mktemp('mini_test_run')
    run = call_tool('tools/test.py', MINI_MDN, mini_checkpoint, '--work-dir', out, '--out', out / 'metrics.json',
                    '--dump', out / 'preds.pkl', '--show-dir', 'vis', '--cfg-options', *mini_data_options(),
                    *ANALYSIS_HOOK)
    return out, run.stdout + run.stderr

