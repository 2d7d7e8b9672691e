"""The hourglass family of the paper from the model configs: LargeHG is mmdet's CenterNet hourglass-104, SmallHG
and XSmallHG have the structure the paper describes. Module trees are built on the meta device (no memory, no
initialisation); one LargeHG forward runs at 256x256."""

import pytest
import torch
from conftest import ROOT, call_tool, load_script, tiny_estimator_cfg
from mmcv.cnn import ConvModule
from mmdet.models.backbones import HourglassNet
from mmdet.models.backbones.resnet import BasicBlock
from mmdet.models.layers import ResLayer
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from torch import nn

from mmpose_mdn.models.backbones import HourglassVariantNet

centernet2mmpose = load_script('tools/model_converters/centernet2mmpose.py')
convert_centernet_state_dict = centernet2mmpose.convert_centernet_state_dict

# CenterNet's hourglass-104 (CenterNet's large_hourglass.py: n=5, dims, modules, cnv_dim=256, nstack=2)
CENTERNET = dict(downsample_times=5, num_stacks=2, stage_channels=(256, 256, 384, 384, 384, 512),
                 stage_blocks=(2, 2, 2, 2, 2, 4), feat_channel=256)


def backbone(capacity: str, device: str = 'meta') -> nn.Module:
    """The backbone of configs/_base_/models/centernet_{capacity}.py, built through mmpose's registry."""
    init_default_scope('mmpose')
    cfg = Config.fromfile(ROOT / 'configs' / '_base_' / 'models' / f'centernet_{capacity}.py')
    with torch.device(device):
        return MODELS.build(cfg.model.backbone)


def shapes(module, exclude: str = None) -> dict:
    """{key: shape} of a module's (or a dict's) state, without the keys starting with ``exclude``."""
    state = module.state_dict() if isinstance(module, nn.Module) else module
    return {k: v.shape for k, v in state.items() if exclude is None or not k.startswith(exclude)}


def num_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def hourglass_layers(net: nn.Module) -> dict:
    """{path: layer sequence} of every up1/low1/low3 and deepest low2 in the hourglass modules."""
    return {name: m for name, m in net.named_modules()
            if name.startswith('hourglass_modules.') and name.split('.')[-1] in ('up1', 'low1', 'low2', 'low3')
            and not hasattr(m, 'low2')}


@pytest.fixture(scope='module')
def family():
    return {c: backbone(c) for c in ('hg104', 'hg-small', 'hg-xsmall')}


def test_large_hg_is_mmdet_centernet_hourglass(family):
    large = family['hg104']
    assert type(large) is HourglassNet
    with torch.device('meta'):
        reference = HourglassNet(**CENTERNET)
    assert shapes(large) == shapes(reference)


def test_variant_with_residual_blocks_is_mmdet_hourglass():
    """block='residual' builds mmdet's tree and computes mmdet's function (tiny widths, real weights)."""
    with torch.device('meta'):
        assert shapes(HourglassVariantNet('residual', **CENTERNET)) == shapes(HourglassNet(**CENTERNET))
    tiny = dict(downsample_times=2, num_stacks=2, stage_channels=(16, 16, 24), stage_blocks=(1, 2, 3), feat_channel=8)
    torch.manual_seed(0)
    ours, theirs = HourglassVariantNet('residual', **tiny).eval(), HourglassNet(**tiny).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        for a, b in zip(ours(x), theirs(x), strict=True):
            assert a.shape == (2, 8, 16, 16)
            torch.testing.assert_close(a, b)


def test_small_hg_replaces_each_residual_block_by_one_conv(family):
    large, small = family['hg104'], family['hg-small']
    assert isinstance(small, HourglassVariantNet)
    assert not any(isinstance(m, BasicBlock) for m in small.hourglass_modules.modules())
    large_layers, small_layers = hourglass_layers(large), hourglass_layers(small)
    assert large_layers.keys() == small_layers.keys() and len(large_layers) == 2 * (3 * 5 + 1)
    for name, res_layer in large_layers.items():
        assert isinstance(res_layer, ResLayer)
        convs = small_layers[name]
        assert len(convs) == len(res_layer), name
        for conv, res in zip(convs, res_layer):
            assert isinstance(conv, ConvModule) and conv.with_norm and conv.with_activation
            assert conv.conv.kernel_size == (3, 3) and conv.conv.stride == res.conv1.stride
            assert (conv.conv.in_channels, conv.conv.out_channels) == (res.conv1.in_channels,
                                                                       res.conv2.out_channels)
    # stem, inter-stack residual and 1x1 joins, output convs: LargeHG's, with mmdet's names
    assert shapes(small, exclude='hourglass_modules') == shapes(large, exclude='hourglass_modules')


def test_xsmall_hg_has_one_layer_fewer_per_level(family):
    small, xsmall = family['hg-small'], family['hg-xsmall']
    small_layers, xsmall_layers = hourglass_layers(small), hourglass_layers(xsmall)
    assert small_layers.keys() == xsmall_layers.keys()
    for name, convs in small_layers.items():
        assert len(xsmall_layers[name]) == max(1, len(convs) - 1), name
        assert all(isinstance(m, ConvModule) and m.conv.kernel_size == (3, 3) for m in xsmall_layers[name])
    assert shapes(xsmall, exclude='hourglass_modules') == shapes(small, exclude='hourglass_modules')


def test_capacity_decreases(family):
    large, small, xsmall = (num_params(family[c]) for c in ('hg104', 'hg-small', 'hg-xsmall'))
    assert large > small > xsmall


def test_large_hg_forward_256():
    """Two stacks of (1, 256, H/4, W/4) features, the head's input."""
    net = backbone('hg104', 'cpu').eval()
    with torch.no_grad():
        feats = net(torch.randn(1, 3, 256, 256))
    assert [f.shape for f in feats] == [(1, 256, 64, 64)] * 2
    assert all(torch.isfinite(f).all() for f in feats)


def test_unknown_block():
    with pytest.raises(ValueError, match='block'):
        HourglassVariantNet('bottleneck', downsample_times=2, stage_channels=(8, 8, 8), stage_blocks=(1, 1, 1))


def centernet_layout(dims, modules, kp_layer='residual', nstack=2, cnv_dim=None, K=17, mdn_components=None):
    """Parameter names and shapes of a CenterNet / MixtureDenseRegression multi-pose hourglass (``exkp`` of
    src/lib/models/networks/large_hourglass.py), written out from that file's module tree."""
    shapes, cnv_dim = {}, cnv_dim or dims[0]

    def bn(p, c):
        shapes.update({f'{p}.weight': (c, ), f'{p}.bias': (c, ), f'{p}.running_mean': (c, ),
                       f'{p}.running_var': (c, ), f'{p}.num_batches_tracked': ()})

    def convolution(p, k, i, o):
        shapes[f'{p}.conv.weight'] = (o, i, k, k)
        bn(f'{p}.bn', o)

    def residual(p, i, o, stride=1):
        shapes.update({f'{p}.conv1.weight': (o, i, 3, 3), f'{p}.conv2.weight': (o, o, 3, 3)})
        bn(f'{p}.bn1', o), bn(f'{p}.bn2', o)
        if stride != 1 or i != o:
            shapes[f'{p}.skip.0.weight'] = (o, i, 1, 1)
            bn(f'{p}.skip.1', o)

    layer = residual if kp_layer == 'residual' else lambda p, i, o, stride=1: convolution(p, 3, i, o)

    def kp_module(p, dims, modules):
        (cur, nxt), (m_cur, m_nxt) = dims[:2], modules[:2]
        for j in range(m_cur):
            layer(f'{p}.up1.{j}', cur, cur)
            layer(f'{p}.low1.{j}', cur if j == 0 else nxt, nxt, stride=2 if j == 0 else 1)  # make_hg_layer
            layer(f'{p}.low3.{j}', nxt, cur if j == m_cur - 1 else nxt)  # make_layer_revr
        if len(dims) > 2:
            kp_module(f'{p}.low2', dims[1:], modules[1:])
        else:
            for j in range(m_nxt):
                layer(f'{p}.low2.{j}', nxt, nxt)

    c = dims[0]
    convolution('pre.0', 7, 3, c // 2)
    residual('pre.1', c // 2, c, stride=2)
    heads = dict(hm=1, wh=2, reg=2, hm_hp=K, hp_offset=2, hps=K * 2)
    if mdn_components:
        heads.update(hps=mdn_components * K * 2, mdn_sigma=mdn_components * 2, mdn_logits=mdn_components)
    for s in range(nstack):
        kp_module(f'kps.{s}', dims, modules)
        convolution(f'cnvs.{s}', 3, c, cnv_dim)
        for name, out in heads.items():
            shapes.update({f'{name}.{s}.0.conv.weight': (c, cnv_dim, 3, 3), f'{name}.{s}.0.conv.bias': (c, ),
                           f'{name}.{s}.1.weight': (out, c, 1, 1), f'{name}.{s}.1.bias': (out, )})
    for s in range(nstack - 1):
        residual(f'inters.{s}', c, c)
        shapes.update({f'inters_.{s}.0.weight': (c, c, 1, 1), f'cnvs_.{s}.0.weight': (c, cnv_dim, 1, 1)})
        bn(f'inters_.{s}.1', c), bn(f'cnvs_.{s}.1', c)
    return shapes


@pytest.mark.parametrize('capacity,kp_layer', [('hg104', 'residual'), ('hg-small', 'convolution')])
def test_centernet_checkpoint_layout_converts(capacity, kp_layer):
    """CenterNet's multi-pose checkpoint layout (module. prefix of DataParallel) maps onto every key and shape of
    the LargeHG / SmallHG L1 estimator; MixtureDenseRegression's separate MDN branches are reported unconverted."""
    cfg = Config.fromfile(ROOT / 'configs' / 'mdn' / f"{capacity.replace('104', '')}_base_coco.py")
    init_default_scope('mmpose')
    with torch.device('meta'):
        ours = shapes(MODELS.build(cfg.model))
    layout = centernet_layout(CENTERNET['stage_channels'], CENTERNET['stage_blocks'], kp_layer)
    state = {f'module.{k}': torch.empty(s, device='meta') for k, s in layout.items()}
    converted, skipped = convert_centernet_state_dict(state)
    assert skipped == [] and shapes(converted) == ours

    mdn = centernet_layout(CENTERNET['stage_channels'], CENTERNET['stage_blocks'], kp_layer, mdn_components=3)
    converted, skipped = convert_centernet_state_dict({k: torch.empty(s, device='meta') for k, s in mdn.items()})
    assert {k.split('.')[0] for k in skipped} == {'hps', 'mdn_sigma', 'mdn_logits'}
    assert shapes(converted) == {k: v for k, v in ours.items() if '.keypoint_offset.' not in k}


def test_centernet_checkpoint_values_land_in_place():
    """Tiny widths, real tensors: the converted estimator computes with CenterNet's weights where they belong."""
    cfg = tiny_estimator_cfg(None)
    cfg['backbone'].update(stage_blocks=(2, 2, 3))
    model = MODELS.build(cfg)
    layout = centernet_layout(cfg['backbone']['stage_channels'], (2, 2, 3), cnv_dim=16)
    torch.manual_seed(0)
    state = {k: torch.randn(s) if s else torch.tensor(0) for k, s in layout.items()}
    converted, _ = convert_centernet_state_dict(state)
    model.load_state_dict(converted, strict=True)
    sd = model.state_dict()
    assert torch.equal(sd['backbone.hourglass_modules.1.low2.low1.0.downsample.0.weight'],
                       state['kps.1.low2.low1.0.skip.0.weight'])
    assert torch.equal(sd['backbone.remap_convs.0.bn.running_var'], state['cnvs_.0.1.running_var'])
    sub = sd['head.stacks.1.keypoint_subpixel_offset.2.weight']  # (K*2, C, 1, 1): the shared (x, y) K times
    assert torch.equal(sub.view(17, 2, -1), state['hp_offset.1.1.weight'].view(1, 2, -1).expand(17, 2, -1))


def test_centernet_converter_command(tmp_path):
    """The command converts a saved CenterNet checkpoint into one the estimator loads strictly."""
    cfg = tiny_estimator_cfg(None)
    cfg['backbone'].update(stage_blocks=(2, 2, 3))
    layout = centernet_layout(cfg['backbone']['stage_channels'], (2, 2, 3), cnv_dim=16)
    torch.manual_seed(0)
    state = {f'module.{k}': torch.randn(s) if s else torch.tensor(0) for k, s in layout.items()}
    torch.save({'epoch': 1, 'state_dict': state}, tmp_path / 'centernet.pth')
    proc = call_tool('tools/model_converters/centernet2mmpose.py', tmp_path / 'centernet.pth', tmp_path / 'ours.pth')
    assert '0 left out' in proc.stdout
    converted = torch.load(tmp_path / 'ours.pth', weights_only=True)['state_dict']
    MODELS.build(cfg).load_state_dict(converted, strict=True)
    assert torch.equal(converted['backbone.stem.0.conv.weight'], state['module.pre.0.conv.weight'])
    torch.save({'meta': {}}, tmp_path / 'other.pth')
    proc = call_tool('tools/model_converters/centernet2mmpose.py', tmp_path / 'other.pth', tmp_path / 'x.pth',
                    check=False)
    assert proc.returncode != 0 and 'other.pth' in proc.stderr
