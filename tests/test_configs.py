"""Every config under configs/ builds through the registries and runs one loss and one predict pass on a real
coco_mini batch made by its own train / val pipelines at a reduced input size; the experiment matrix is complete
and each config's name (hg[-capacity]_{base,mdnM}_{dataset}[_3x][_paper]) matches its settings."""
import copy
import random
import re
from collections import Counter

import numpy as np
import pytest
import torch
from conftest import ROOT, data_dir, load_script, on_data
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, MODELS

CONFIGS = sorted(p for p in (ROOT / 'configs').rglob('*.py') if '_base_' not in p.parts)
NAME = re.compile(r'hg(?P<capacity>|-small|-xsmall|-tiny)_(?P<offsets>base|h?mdn\d)_(?P<data>[a-z][a-z0-9-]*)'
                  r'(?P<x3>_3x)?'
                  r'(?P<paper>_paper)?$')
INPUT = (128, 128)  # a multiple of 4 * 2**5, the 5-level hourglass's total stride

# the paper's matrix (Tables 1, 3, 5): capacity x offsets, 1x; LargeHG MDN1/MDN3 also 3x
MATRIX = ({f'hg_{o}_coco' for o in ('base', 'mdn1', 'mdn2', 'mdn3')}
          | {f'hg-{c}_{o}_coco' for c in ('small', 'xsmall') for o in ('base', 'mdn1', 'mdn2', 'mdn3', 'mdn5')}
          | {'hg_mdn1_coco_3x', 'hg_mdn3_coco_3x'})
BACKBONES = {'': ('mmdet.HourglassNet', (2, 2, 2, 2, 2, 4)), '-small': ('HourglassVariantNet', (2, 2, 2, 2, 2, 4)),
             '-xsmall': ('HourglassVariantNet', (1, 1, 1, 1, 1, 3)), '-tiny': ('mmdet.HourglassNet', (1, 1, 1, 1))}


def with_input_size(node, size):
    """A copy of a config node with every ``input_size`` set to ``size``."""
    if isinstance(node, dict):
        return {k: size if k == 'input_size' else with_input_size(v, size) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(with_input_size(v, size) for v in node)
    return copy.deepcopy(node)


def real_batch(cfg: Config, train: bool, n: int):
    """The first ``n`` images of the config's own train or val dataset where its data is present (the CPU configs'
    slices beside the project, with their keypoint sets), else of coco_mini, through the config's own pipeline at
    ``INPUT``."""
    from pathlib import Path
    split = 'train2017' if train else 'val2017'
    dataset = (cfg.train_dataloader if train else cfg.val_dataloader).dataset
    own = Path(on_data(dataset.data_root)).is_dir() and 'metainfo' in dataset
    source = (dict(type=dataset.type, data_root=on_data(dataset.data_root), ann_file=dataset.ann_file,
                   data_prefix=dataset.data_prefix, metainfo=dataset.metainfo) if own else
              dict(type='CocoDataset', data_root=str(data_dir('coco_mini')), ann_file=f'annotations/person_keypoints_'
                   f'{split}.json', data_prefix=dict(img=f'{split}/')))
    ds = DATASETS.build(dict(source, data_mode='bottomup', test_mode=not train,
                             pipeline=with_input_size(dataset.pipeline, INPUT)))
    return pseudo_collate([ds[i] for i in range(n)])


def test_matrix_is_complete():
    assert MATRIX <= {p.stem for p in CONFIGS}
    assert [p.stem for p in CONFIGS if not NAME.match(p.stem)] == [], \
        'names: hg[-capacity]_{base,mdnM,hmdnM}_{data}[_3x][_paper] (hmdn: the hierarchical mixture)'


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_name_matches_settings(path):
    cfg, name = Config.fromfile(path), NAME.match(path.stem)
    backbone, head = cfg.model.backbone, cfg.model.head
    assert (backbone.type, tuple(backbone.stage_blocks)) == BACKBONES[name['capacity']]
    if backbone.type == 'HourglassVariantNet':
        assert backbone.block == 'conv'
    assert head.num_stacks == backbone.num_stacks
    base = name['offsets'] == 'base'
    assert head.num_components == (None if base else int(name['offsets'][-1]))
    assert head.get('mixture', 'flat') == ('hierarchical' if name['offsets'].startswith('h') else 'flat')
    flip = cfg.model.test_cfg.flip_test
    if not base:
        assert flip is False  # MDN predicts in one flip-free pass
    elif name['data'].startswith('coco'):
        assert flip is True  # the paper tests the COCO base models with flip
    if name['data'] == 'coco':  # the paper's schedules: 1x = 50 epochs, 3x = 150
        assert cfg.train_cfg.max_epochs == (150 if name['x3'] else 50)
    hooks = [h.type for h in cfg.get('custom_hooks', [])]
    if name['paper']:  # the paper's loss and start as published
        built = MODELS.build(head)
        loss = built.offset_loss
        assert (type(loss).__name__, loss.loss_weight, loss.beta, loss.pi_weight, loss.gate_target,
                loss.responsibility_floor, built.min_sigma) == ('MDNLoss', 0.1, 0, 1, 'posterior', 0, 10)
        assert 'MDNDataInitHook' not in hooks
    elif not base and name['data'] != 'viewpoint':  # the paper's NLL with the chosen start (mdn_start.py)
        built = MODELS.build(head)
        loss = built.offset_loss
        assert (type(loss).__name__, loss.loss_weight, loss.beta, loss.pi_weight, loss.gate_target,
                loss.responsibility_floor, built.min_sigma) == ('MDNLoss', 0.03, 1, 1, 'posterior', 0, 10)
        (start, ) = [h for h in cfg.custom_hooks if h.type == 'MDNDataInitHook']
        # the 2 CrowdPose images' sigma lies below the floor: that slice's config starts sigma there (README)
        assert (start.mean_init, start.sigma_init) == ('kmeans', None if name['data'] == 'crowdpose-test' else 'ml')
    if not base and name['data'].startswith('coco'):  # every COCO MDN config has its twin with the paper's start
        twin = path.with_name(path.stem.replace('_paper', '') + ('' if name['paper'] else '_paper') + '.py')
        assert twin.exists(), twin
    if name['paper'] and name['data'].startswith('coco'):  # the twin differs in the start alone
        parent = Config.fromfile(path.with_name(path.stem[:-len('_paper')] + '.py'))
        for key in ('backbone', 'data_preprocessor', 'test_cfg'):
            assert cfg.model[key] == parent.model[key]
        assert {k: v for k, v in cfg.model.head.items() if k != 'offset_loss'} == {
            k: v for k, v in parent.model.head.items() if k != 'offset_loss'}
        assert cfg.train_dataloader == parent.train_dataloader and cfg.param_scheduler == parent.param_scheduler


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_one_codec_for_targets_and_decoding(path):
    """The head decodes with the codec whose targets it learns (the dataset base's ``codec``)."""
    cfg = Config.fromfile(path)
    (encoder, ) = [t.encoder for t in cfg.train_dataloader.dataset.pipeline if t.type == 'GenerateTarget']
    assert cfg.model.head.decoder == encoder == cfg.codec
    assert encoder.input_size == [t for t in cfg.val_dataloader.dataset.pipeline
                                  if t.type == 'BottomupResize'][0].input_size


@pytest.fixture(autouse=True)
def seed():
    init_default_scope('mmpose')
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)


# a COCO *_paper config's model is its twin's (test_name_matches_settings checks it), so it is not built again
BUILT = [p for p in CONFIGS if not NAME.match(p.stem)['paper'] or 'viewpoint' in p.stem]
# computed for real: every tiny model, and one per full-size backbone (the head's code is the same at every size, and
# every M is computed by a tiny or one of these); the others are built and run on the meta device (structure and
# shapes, no arithmetic): the same network, without seconds of initialising and convolving 0.2-1.5 G parameters
REAL = {p for p in BUILT if '-tiny' in p.stem} | {
    ROOT / 'configs' / 'mdn' / f'{n}.py' for n in ('hg_mdn3_coco', 'hg-small_mdn5_coco', 'hg-xsmall_base_coco')}


@pytest.mark.slow
@pytest.mark.parametrize('path', BUILT, ids=lambda p: p.stem)
def test_loss_and_predict_on_coco_mini(path):
    cfg = Config.fromfile(path)
    M, K = cfg.model.head.num_components, cfg.model.head.num_keypoints
    train_batch = real_batch(cfg, train=True, n=2)  # the config's own pipelines on real images, every config
    val_batch = real_batch(cfg, train=False, n=1)
    if path not in REAL:
        with torch.device('meta'):
            model = MODELS.build(with_input_size(cfg.model, INPUT))
            outputs = model._forward(torch.empty(2, 3, *INPUT))
        assert len(outputs) == cfg.model.head.num_stacks
        shapes = {name: tuple(v.shape) for name, v in outputs[-1].items()}
        size = (INPUT[0] // 4, INPUT[1] // 4)
        # L1: (x, y) per keypoint; MDN: means, (σx, σy), π each, and the hierarchical mixture's classifier
        offsets = 2 * K if M is None else M * (2 * K + 3) + (cfg.model.head.get('mixture') == 'hierarchical')
        assert shapes == {'centre_heatmap': (2, 1, *size), 'box_size': (2, 2, *size), 'centre_offset': (2, 2, *size),
                          'keypoint_heatmaps': (2, K, *size), 'keypoint_subpixel_offset': (2, 2 * K, *size),
                          'keypoint_offset': (2, offsets, *size)}
        return
    model = MODELS.build(with_input_size(cfg.model, INPUT))

    # two images: train-mode BatchNorm needs two values per channel at the 1x1 deepest level
    data = model.data_preprocessor(train_batch, training=True)
    with torch.no_grad():
        losses = model(**data, mode='loss')
    assert ('loss_offset' if M is None else 'loss_mdn') in losses and len(losses) == 6
    assert all(torch.isfinite(v) for v in losses.values()), losses

    model.eval()
    with torch.no_grad():
        (sample, ) = model.test_step(val_batch)
    pred = sample.pred_instances
    n = len(pred)
    assert pred.keypoints.shape == (n, K, 2) and pred.keypoint_scores.shape == (n, K) and n > 0
    if M is not None:
        assert pred.mixture_probs.shape == (n, M)


def test_get_flops_tool():
    """tools/analysis/get_flops.py on a config: parameters as torch counts them; the head's and its offset
    branch's FLOPs are their convolutions' multiply-adds (counted here with forward hooks), and the total is the
    network's convolutions plus a few percent of element-wise ops (BN, upsampling)."""
    tool = load_script('tools/analysis/get_flops.py')
    cfg = Config.fromfile(ROOT / 'configs' / 'mdn' / 'hg-tiny_mdn3_coco-mini.py')
    counted = tool.complexity(cfg, INPUT)

    model = MODELS.build(cfg.model).eval()
    macs = Counter()

    def count(name):
        def hook(conv, inputs, out):
            k = conv.in_channels // conv.groups * conv.kernel_size[0] * conv.kernel_size[1]
            macs['offset' if '.keypoint_offset.' in name else name.split('.')[0]] += out.numel() * k
        return hook

    for name, m in model.named_modules():
        if isinstance(m, torch.nn.Conv2d):
            m.register_forward_hook(count(name))
    with torch.no_grad():
        model._forward(torch.zeros(1, 3, *INPUT))
    offset_params = sum(p.numel() for n, p in model.named_parameters() if '.keypoint_offset.' in n)
    assert counted['params'] == sum(p.numel() for p in model.parameters())
    assert counted['offset_params'] == offset_params and counted['head_params'] > offset_params
    assert counted['offset_flops'] == macs['offset']
    assert counted['head_flops'] == macs['head'] + macs['offset']
    assert sum(macs.values()) < counted['flops'] < 1.05 * sum(macs.values())
