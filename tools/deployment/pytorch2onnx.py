"""Export a pose config's network to ONNX (the last stack's maps, heatmaps as probabilities; decoding stays in the
head, :meth:`CenterNetMDNHead.predict_by_feat`) and check it against PyTorch::

    python tools/deployment/pytorch2onnx.py CONFIG CKPT --out model.onnx [--input-size W H] [--dynamic-batch] \\
        [--verify [IMAGE_OR_DIR ...]]

``--verify`` runs PyTorch and onnxruntime on real images through the config's test pipeline (default: the
config's test images, the first 8) and fails, naming the differences, where keypoints differ by more than 0.5
image pixels or scores by more than 1e-3. Needs the ``deploy`` extra (``pip install -e .[deploy]``,
``make install-deploy``). Exporter and opset: :mod:`mmpose_mdn.deployment.onnx_export`.
"""
import argparse
import os.path as osp
import sys
from pathlib import Path

from mmengine.config import DictAction

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='the .onnx file to write')
    parser.add_argument('--input-size', type=int, nargs=2, metavar=('W', 'H'),
                        help="network input (default: the codec's input_size)")
    parser.add_argument('--dynamic-batch', action='store_true', help='a batch axis of any size')
    parser.add_argument('--verify', nargs='*', metavar='IMAGE_OR_DIR',
                        help="check against PyTorch on these images (none given: the config's first 8 test images)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    return parser.parse_args(argv)


def verify_images(cfg, given) -> list:
    """The images of ``--verify``: the files and folders given, else the first 8 of the config's test set."""
    if given:
        paths = []
        for item in map(Path, given):
            if not item.exists():
                raise FileNotFoundError(f'--verify: {item} does not exist')
            paths += (sorted(p for p in item.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) if item.is_dir()
                      else [item])
        return paths
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    return [dataset.get_data_info(i)['img_path'] for i in range(min(8, len(dataset)))]


def main(argv=None):
    args = parse_args(argv)
    from mmpose.apis import init_model

    import mmpose_mdn  # noqa: F401  registers the components
    from mmpose_mdn.deployment import check_parity, compare_on_images, export_onnx
    model = init_model(args.config, args.checkpoint, device='cpu', cfg_options=args.cfg_options)
    size = tuple(args.input_size or model.cfg.codec['input_size'])
    names = export_onnx(model, args.out, size, args.dynamic_batch)
    print(f'{args.out}: input (B, 3, {size[1]}, {size[0]}), outputs {", ".join(names)}')
    if args.verify is not None:
        images = verify_images(model.cfg, args.verify)
        worst = compare_on_images(model, args.out, images)
        print(f'verify on {len(images)} images, {worst["people"]} people: maps differ by up to {worst["maps"]:.3g}, '
              f'keypoints by {worst["keypoints_px"]:.3g} px, scores by {worst["scores"]:.3g}')
        check_parity(worst, args.out)
        print('verify: passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
