"""Export a pose config to ONNX and check it against PyTorch::

    python tools/deployment/pytorch2onnx.py CONFIG CKPT --out model.onnx [--input-size W H] [--dynamic-batch] \
        [--with-decode] [--quantize int8 [--calib-images N] [--max-ap-drop D]] [--verify [IMAGE_OR_DIR ...]] \
        [--cfg-options ...]

The graph outputs the last stack's maps (heatmaps as probabilities; decoding stays in the head,
:meth:`CenterNetMDNHead.predict_by_feat`) or, with ``--with-decode``, the people decoded inside it under the
config's ``model.test_cfg`` (``dets`` (B, N, 5) and ``keypoints`` (B, N, K, 3), and for MDN models
``components``, ``mixture_probs``, ``sigmas``, ``component_keypoints``, ``component_sigmas``; model-input pixels,
all N = ``decode_topk`` candidates), which ``demo/onnx_demo.py`` runs without torch.

``--verify`` runs PyTorch and onnxruntime on real images through the config's test pipeline, the images given or,
by default, the config's whole test set, whose CocoMetric AP it then computes for both, and fails, naming the
differences, where the keypoints of the people both find differ by more than 0.5 image pixels, their scores by
more than 1e-3, the AP by more than 0.001, or where one runtime alone finds a person scoring 0.3 or more, or more
than 1 % of the people (near-equal background candidates may swap: :func:`~mmpose_mdn.deployment.onnx_export.
match_people`). ``--quantize int8`` writes the convolutions in int8 (:mod:`mmpose_mdn.deployment.quantization`),
calibrated on ``--calib-images`` images of the config's training set; ``--verify`` then compares its AP on the test
set with PyTorch's and fails where it is more than ``--max-ap-drop`` lower (its keypoints move by more than the
parity tolerance, by design). Needs the ``deploy`` extra (``pip install -e .[deploy]``, ``make install-deploy``).
Exporter, opset and outputs: :mod:`mmpose_mdn.deployment.onnx_export`.
"""
import argparse
import sys
import tempfile
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
    parser.add_argument('--with-decode', action='store_true',
                        help='decode the people inside the graph (dets, keypoints and the MDN outputs)')
    parser.add_argument('--verify', nargs='*', metavar='IMAGE_OR_DIR',
                        help="check against PyTorch on these images (none given: the config's test set, with its AP)")
    parser.add_argument('--quantize', choices=['int8'], help='int8 convolutions (static, calibrated)')
    parser.add_argument('--calib-images', type=int, default=32,
                        help='--quantize: calibration images, evenly spaced over the training set')
    parser.add_argument('--max-ap-drop', type=float, default=0.01,
                        help='--quantize --verify: the AP lost against PyTorch that fails the export')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    args = parser.parse_args(argv)
    if args.quantize and args.verify:
        parser.error('--quantize: --verify checks the AP on the config\'s test set; give it no images')
    return args


def verify_inputs(cfg, given) -> tuple:
    """The test pipeline's inputs of ``--verify`` and the CocoMetric to score them with: the files and folders
    given (no metric), else the config's test set and its test CocoMetric."""
    from mmpose_mdn.utils.config import test_evaluators
    if given:
        paths = []
        for item in map(Path, given):
            if not item.exists():
                raise FileNotFoundError(f'--verify: {item} does not exist')
            paths += (sorted(p for p in item.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) if item.is_dir()
                      else [item])
        return [dict(img_path=str(p)) for p in paths], None
    metric = next((dict(e) for e in test_evaluators(cfg) if e['type'] in ('CocoMetric', 'mmpose.CocoMetric')), None)
    return data_infos(cfg.test_dataloader.dataset), metric


def data_infos(dataset_cfg) -> list:
    """The data infos of a config's dataset: the test set (``--verify``), the training set (int8 calibration)."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    dataset = DATASETS.build(dataset_cfg)
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def main(argv=None):
    args = parse_args(argv)
    from mmpose.apis import init_model

    import mmpose_mdn  # noqa: F401  registers the components
    from mmpose_mdn.deployment import (calibration_inputs, check_ap_drop, check_parity, compare_on_images, export_onnx,
                                       quantize_int8)
    model = init_model(args.config, args.checkpoint, device='cpu', cfg_options=args.cfg_options)
    size = tuple(args.input_size or model.cfg.codec['input_size'])
    if args.quantize:
        with tempfile.TemporaryDirectory() as tmp:
            names = export_onnx(model, f'{tmp}/float32.onnx', size, args.dynamic_batch, args.with_decode)
            training_set = data_infos(model.cfg.train_dataloader.dataset)
            calibration = calibration_inputs(model, training_set, args.calib_images)
            quantize_int8(f'{tmp}/float32.onnx', args.out, calibration)
        print(f'{args.out}: convolutions in int8, calibrated on {len(calibration)} training images')
    else:
        names = export_onnx(model, args.out, size, args.dynamic_batch, args.with_decode)
    print(f'{args.out}: input (B, 3, {size[1]}, {size[0]}), outputs {", ".join(names)}')
    if args.verify is not None:
        inputs, metric = verify_inputs(model.cfg, args.verify)
        worst = compare_on_images(model, args.out, inputs, metric)
        if args.quantize:
            check_ap_drop(worst, args.out, args.max_ap_drop)
            ap = [m['coco/AP'] for m in worst['metrics']]
            print(f'verify on {worst["images"]} images: AP {ap[0]:.4f} (PyTorch) / {ap[1]:.4f} (onnxruntime, int8), '
                  f'{ap[0] - ap[1]:+.4f} lost (allowed {args.max_ap_drop})\nverify: passed')
            return 0
        print(f'verify on {worst["images"]} images, {worst["people"]} people found by both runtimes, '
              f'{worst["unmatched"]} by one alone (scoring up to {worst["unmatched_score"]:.3g}): '
              + (f'maps differ by up to {worst["maps"]:.3g}, ' if not args.with_decode else '') +
              f'keypoints differ by {worst["keypoints_px"]:.3g} px, scores by {worst["scores"]:.3g}'
              + (', AP {:.4f} (PyTorch) / {:.4f} (onnxruntime)'.format(*(m['coco/AP'] for m in worst['metrics']))
                 if 'metrics' in worst else ''))
        check_parity(worst, args.out)
        print('verify: passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
