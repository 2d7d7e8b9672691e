"""Parameters and FLOPs of pose configs at one input size, with mmengine's ``FlopAnalyzer`` and
``parameter_count``::

    python tools/analysis/get_flops.py CONFIG [CONFIG ...] [--shape 512 512] [--markdown]

Counted on the network's forward pass (backbone and every stack's head branches, as in training; decoding is not
a network op). FLOPs follow mmengine's (fvcore's) convention: one multiply-add is one FLOP. Besides the totals it
reports the share of the head and of its keypoint-offset branch (L1: K*2 channels, MDN: M*(2K+3)).
"""
import argparse
import os.path as osp
from typing import Dict, Sequence

import torch
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS


def complexity(cfg: Config, shape: Sequence[int] = (512, 512)) -> Dict[str, int]:
    """Parameters and FLOPs of the whole model (``params``, ``flops``), of its backbone, its head and the head's
    keypoint-offset branches (``backbone_params``, ``head_params``, ``offset_params``, ``head_flops``,
    ``offset_flops``) for one (1, 3, *shape) input."""
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model = MODELS.build(cfg.model).eval()
    # the estimator's tensor forward returns one dict of maps per stack: trace them as a flat tuple
    model.forward = lambda x: tuple(m for stack in model._forward(x) for m in stack.values())
    analyzer = FlopAnalyzer(model, torch.zeros(1, 3, *shape))
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    with torch.no_grad():
        flops = analyzer.by_module()
    params = parameter_count(model)
    offset = [f'head.stacks.{i}.keypoint_offset' for i in range(len(model.head.stacks))]
    return dict(params=params[''], backbone_params=params['backbone'], head_params=params['head'],
                offset_params=sum(params[k] for k in offset), flops=flops[''], head_flops=flops['head'],
                offset_flops=sum(flops[k] for k in offset))


def offset_branch(cfg: Config) -> str:
    m = cfg.model.head.get('num_components')
    return 'L1' if m is None else f'MDN{m}'


def main(argv=None):
    parser = argparse.ArgumentParser(description='Parameters and FLOPs of pose configs')
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument('--shape', type=int, nargs='+', default=[512, 512], help='input height [width]')
    parser.add_argument('--markdown', action='store_true', help='print one markdown table for all configs')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override settings, key=value')
    args = parser.parse_args(argv)
    shape = args.shape * 2 if len(args.shape) == 1 else args.shape
    pct = lambda part, whole: f'{100 * part / whole:.2f}%'  # noqa: E731

    if args.markdown:
        print(f'| config | offsets | params (M) | backbone params (M) | GFLOPs at {shape[0]}x{shape[1]} | '
              'head: params / FLOPs | offset branch: params / FLOPs |')
        print('| --- | --- | ---: | ---: | ---: | ---: | ---: |')
    for path in args.configs:
        cfg = Config.fromfile(path)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        c = complexity(cfg, shape)
        name = osp.splitext(osp.basename(path))[0]
        head = f"{pct(c['head_params'], c['params'])} / {pct(c['head_flops'], c['flops'])}"
        offset = f"{pct(c['offset_params'], c['params'])} / {pct(c['offset_flops'], c['flops'])}"
        if args.markdown:
            print(f"| {name} | {offset_branch(cfg)} | {c['params'] / 1e6:.2f} | {c['backbone_params'] / 1e6:.2f} | "
                  f"{c['flops'] / 1e9:.1f} | {head} | {offset} |", flush=True)
        else:
            print(f"{name}: input (1, 3, {shape[0]}, {shape[1]}), offsets {offset_branch(cfg)}\n"
                  f"  params {c['params'] / 1e6:.2f} M (backbone {c['backbone_params'] / 1e6:.2f} M), "
                  f"FLOPs {c['flops'] / 1e9:.1f} G\n"
                  f'  head (params / FLOPs): {head}; its keypoint-offset branch: {offset}', flush=True)


if __name__ == '__main__':
    main()
