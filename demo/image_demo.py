"""Bottom-up pose estimation on an image, a folder of images or a video, drawn as the paper's Figure 2::

    .venv/bin/python demo/image_demo.py INPUT CONFIG CHECKPOINT [--out-file vis.jpg] [--output-root DIR]
        [--save-predictions] [--device cpu] [--bbox-thr 0.3] [--draw-bbox] [--show-pi] [--show-kpt-sigma]
        [--kpt-thr 0.3] ...

INPUT is an image, a folder (each file in it, sorted, not recursive) or a video (by its extension). mmpose's
``demo/image_demo.py`` arguments keep their names and order (but ``--draw-heatmap``: the head returns no heatmaps),
followed by those of its ``bottomup_demo.py`` (``--output-root``, ``--save-predictions``) and
``inferencer_demo.py`` (``--bbox-thr``, ``--draw-bbox``).

- People: the model returns the people whose centre score is >= ``--bbox-thr`` (0.3, ``MMPoseInferencer``'s
  default; the configs' ``model.test_cfg.score_thr`` of 0.01 is the one for COCO evaluation), drawn by the
  config's ``MDNPoseLocalVisualizer``: MDN people in their component's colour with the σ ellipse at their centre.
- Outputs: ``--out-file``, the drawn image of a one-image INPUT; ``--output-root``, drawn images under their
  own names, a video as ``<name>.mp4``; ``--save-predictions``, ``<name>.json`` per input (in ``--output-root``,
  else beside ``--out-file``): ``CenterNetPoseInferencer``'s per-person dicts (:func:`mmpose_mdn.apis.split_instances`:
  ``keypoints``, ``keypoint_scores``, ``bbox`` as ``[[x1, y1, x2, y2]]``, ``bbox_score``, for MDN ``component``,
  ``mixture_probs`` (π) and ``sigma`` (σx, σy)), all in image pixels; a video's holds
  ``[{frame_id, instances}]``.
- Images are read upright (EXIF orientation applied) as 8-bit BGR, whatever their channels (grey, RGBA) and depth
  (16 bit). A file that is missing or cannot be decoded is skipped with one line naming it and the reason; the
  rest is processed. The exit code is 1 only when nothing could be processed.
"""
import mimetypes
import sys
import time
from argparse import ArgumentParser
from pathlib import Path

import cv2
import mmcv
import mmengine
import numpy as np
import torch
from mmengine.visualization import Visualizer
from mmpose.apis import inference_bottomup, init_model
from mmpose.registry import VISUALIZERS
from PIL import Image
from rich.progress import track

from mmpose_mdn.apis import split_instances


def parse_args(argv=None):
    parser = ArgumentParser(description='Bottom-up pose estimation on an image, a folder of images or a video')
    parser.add_argument('img', help='image file, folder of images or video file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-file', help='where to save the drawn image (an image INPUT)')
    parser.add_argument('--device', default='cuda:0' if torch.cuda.is_available() else 'cpu',
                        help='device used for inference: cpu or cuda[:N] (default: cuda:0 where available)')
    parser.add_argument('--show-kpt-idx', action='store_true', help='write each keypoint index beside it')
    parser.add_argument('--skeleton-style', default='mmpose', choices=['mmpose', 'openpose'])
    parser.add_argument('--kpt-thr', type=float, default=0.3, help='keypoint score threshold for drawing')
    parser.add_argument('--radius', type=int, default=3, help='keypoint radius')
    parser.add_argument('--thickness', type=int, default=1, help='link thickness')
    parser.add_argument('--alpha', type=float, default=0.8, help='transparency of the keypoints')
    parser.add_argument('--show', action='store_true', help='show the results in a window')
    parser.add_argument('--output-root', help='folder for the drawn images or video (and the predictions)')
    parser.add_argument('--save-predictions', action='store_true',
                        help='write <input name>.json with the predictions of each input')
    parser.add_argument('--bbox-thr', type=float, default=0.3, help='person score threshold (returned and drawn)')
    parser.add_argument('--draw-bbox', action='store_true', help='draw the person boxes')
    parser.add_argument('--show-pi', action='store_true', help="write pi of each person's component above its box")
    parser.add_argument('--show-kpt-sigma', action='store_true',
                        help="draw each keypoint's 1-sigma ellipse (sigma * v_k): the keypoints the model doubts")
    parser.add_argument('--cfg-options', nargs='+', action=mmengine.DictAction, help='override config settings')
    args = parser.parse_args(argv)
    if args.save_predictions and not (args.output_root or args.out_file):
        parser.error('--save-predictions writes into --output-root (or beside --out-file): give one of them')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        parser.error(f'--device {args.device}: CUDA is not available to this torch; use --device cpu')
    return args


def read_image(path: Path) -> np.ndarray:
    """The image as (H, W, 3) uint8 BGR, upright: cv2 applies the EXIF orientation and converts grey, RGBA and
    16-bit images. Raises ValueError with the reason when the file is not a decodable image."""
    data = path.read_bytes()
    img = mmcv.imfrombytes(data, flag='color', backend='cv2') if data else None
    if img is None:
        try:
            with Image.open(path) as im:
                kind = im.format
        except OSError:
            raise ValueError('not an image file') from None
        raise ValueError(f'{kind} data that cannot be decoded (truncated or corrupt)')
    return img


def inputs_of(path: Path):
    """(images, video): the image files to read (one, or a folder's files) or the video file."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file()), None
    if (mimetypes.guess_type(path.name)[0] or '').startswith('video/'):
        return [], path
    return [path], None


def report(name: str, pred) -> None:
    """One line per input, one per MDN person."""
    print(f'{name}: {len(pred)} people')
    if 'components' in pred:
        for i in range(len(pred)):
            pi, sigma = (', '.join(f'{v:.{d}f}' for v in values) for values, d in ((pred.mixture_probs[i], 2),
                                                                               (pred.sigmas[i], 1)))
            print(f'  person {i}: score {pred.bbox_scores[i]:.2f}, component {pred.components[i]}, pi [{pi}], '
                  f'sigma [{sigma}] px')


def main(argv=None) -> int:
    args = parse_args(argv)
    source = Path(args.img)
    if not source.exists():
        print(f'{source}: skipped: no such file or folder')
        return 1
    images, video = inputs_of(source)
    if source.is_dir() and not images:
        print(f'{source}: skipped: empty folder (no files in it)')
        return 1
    if args.out_file and (video or source.is_dir()):
        print(f'{source}: --out-file is for one image; use --output-root for a folder or a video')
        return 1

    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options={**(args.cfg_options or {}), 'model.test_cfg.score_thr': args.bbox_thr})
    model.cfg.visualizer.update(radius=args.radius, line_width=args.thickness, alpha=args.alpha,
                                bbox_thr=args.bbox_thr, show_pi=args.show_pi, show_kpt_sigma=args.show_kpt_sigma)
    # named as mmengine's inferencers name theirs: a run's dumped config may give no name (experiments drop it, see
    # visualizer_per_run), and a name already built in this process would return that visualizer, with its settings
    name = model.cfg.visualizer.get('name', f'image_demo_{time.time_ns()}')
    if Visualizer.check_instance_created(name):
        name = f'{name}-{time.time_ns()}'
    visualizer = VISUALIZERS.build(dict(model.cfg.visualizer, name=name))
    visualizer.set_dataset_meta(model.dataset_meta, skeleton_style=args.skeleton_style)
    out_dir = Path(args.output_root) if args.output_root else Path(args.out_file).parent if args.out_file else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)

    def predict_and_draw(name: str, img: np.ndarray, out_file=None):
        result = inference_bottomup(model, img)[0]
        drawn = visualizer.add_datasample(
            name, mmcv.bgr2rgb(img), data_sample=result, draw_gt=False, draw_bbox=args.draw_bbox,
            show_kpt_idx=args.show_kpt_idx, skeleton_style=args.skeleton_style, show=args.show,
            wait_time=1e-5 if video else 0, out_file=out_file, kpt_thr=args.kpt_thr)
        return result.pred_instances, drawn

    if video:
        return run_video(video, args, out_dir, predict_and_draw, model.dataset_meta)
    processed = 0
    for path in track(images, description='Inference', disable=len(images) == 1):
        try:
            img = read_image(path)
        except (OSError, ValueError) as e:
            print(f'{path}: skipped: {e}')
            continue
        out_file = args.out_file or (str(out_dir / path.name) if args.output_root else None)
        pred, _ = predict_and_draw(path.name, img, out_file)
        report(str(path), pred)
        if args.save_predictions:
            mmengine.dump(split_instances(pred, model.dataset_meta), out_dir / f'{path.stem}.json', indent='  ')
        processed += 1
    print(f'{processed} of {len(images)} files processed' + (f', drawn into {out_dir}' if out_dir else ''))
    return 0 if processed else 1


def run_video(path: Path, args, out_dir, predict_and_draw, dataset_meta: dict) -> int:
    """Every frame of a video: drawn into ``<out_dir>/<name>.mp4`` and, with ``--save-predictions``, its
    predictions into ``<name>.json`` as ``[{frame_id, instances}]`` (mmpose's video format)."""
    reader = mmcv.VideoReader(str(path))
    writer, frames = None, []
    for frame_id, frame in enumerate(track(reader, description='Inference', total=reader.frame_cnt)):
        pred, drawn = predict_and_draw(path.name, frame)
        frames.append(dict(frame_id=frame_id, instances=split_instances(pred, dataset_meta)))
        if args.output_root:
            if writer is None:
                writer = cv2.VideoWriter(str(out_dir / f'{path.stem}.mp4'), cv2.VideoWriter_fourcc(*'mp4v'),
                                         reader.fps, (drawn.shape[1], drawn.shape[0]))
            writer.write(mmcv.rgb2bgr(drawn))
    if not frames:
        print(f'{path}: skipped: no frame could be decoded (not a video, or corrupt)')
        return 1
    if writer is not None:
        writer.release()
    if args.save_predictions:
        mmengine.dump(frames, out_dir / f'{path.stem}.json', indent='  ')
    print(f'{path}: {len(frames)} frames processed' + (f', drawn into {out_dir / path.stem}.mp4'
                                                        if writer is not None else ''))
    return 0 if frames else 1


if __name__ == '__main__':
    sys.exit(main())
