"""Bottom-up pose estimation with an exported model, on onnxruntime, OpenCV and NumPy alone (no torch, mmcv or
mmpose)::

    python demo/onnx_demo.py MODEL.onnx INPUT [--out-file vis.jpg] [--output-root DIR] [--save-predictions]
        [--bbox-thr 0.3] [--kpt-thr 0.3] [--draw-bbox] [--radius 3] [--thickness 1]

MODEL.onnx: ``tools/deployment/pytorch2onnx.py CONFIG CKPT --out MODEL.onnx --with-decode`` (the people decoded in
the graph; the file's ``mmpose_mdn`` metadata gives the preprocessing and the keypoints). INPUT, the outputs and
the JSON are ``demo/image_demo.py``'s: an image, a folder (its files, sorted) or a video; ``--save-predictions``
writes ``<name>.json`` per input with per-person ``keypoints``, ``keypoint_scores``, ``bbox`` ``[[x1, y1, x2,
y2]]``, ``bbox_score`` and, for MDN models, ``component``, ``mixture_probs``, ``sigma`` and ``keypoint_sigma``,
in image pixels (a video's: ``[{frame_id, instances}]``). The drawing is plain: keypoints and links in the
dataset's colours. Needs ``requirements/onnx_demo.txt``.

Preprocessing is mmpose's test pipeline for these configs: ``BottomupResize`` in ``'fit'`` mode (the image scaled
to fit the network input, centred, padded) by the same affine, then the data preprocessor's channel order, mean
and std; points map back by its inverse, ``p * S / s_in + c - S / 2``.
"""
import json
import mimetypes
import sys
from argparse import ArgumentParser
from pathlib import Path

import cv2
import numpy as np
import onnxruntime


class OnnxPoseModel:
    """An exported model with decoding inside and its ``mmpose_mdn`` metadata: ``predict(images)`` -> people.
    ``session_options``: onnxruntime's (e.g. the number of threads)."""

    def __init__(self, onnx_file: str, session_options=None):
        self.session = onnxruntime.InferenceSession(onnx_file, session_options,
                                                    providers=['CPUExecutionProvider'])
        props = self.session.get_modelmeta().custom_metadata_map
        if 'mmpose_mdn' not in props:
            raise ValueError(f'{onnx_file}: no mmpose_mdn metadata; export it with tools/deployment/pytorch2onnx.py')
        self.meta = json.loads(props['mmpose_mdn'])
        if self.meta['outputs'] != 'people':
            raise ValueError(f'{onnx_file} outputs the raw maps; export it with --with-decode to run it without torch')
        if self.meta['resize_mode'] != 'fit':
            raise ValueError(f"{onnx_file}: resize_mode {self.meta['resize_mode']!r}; a fixed network input needs "
                             "BottomupResize(resize_mode='fit')")
        self.names = [o.name for o in self.session.get_outputs()]

    def preprocess(self, img: np.ndarray):
        """(H, W, 3) uint8 BGR -> the network input (3, h_in, w_in) float32 and the affine's centre c and scale S
        (image pixels), as mmpose's ``BottomupResize`` ('fit') and ``PoseDataPreprocessor`` make them."""
        pad_w, pad_h = self.meta['input_size']
        img_h, img_w = img.shape[:2]
        ratio = img_w / img_h
        rsz_w, rsz_h = min(pad_w, pad_h * ratio), min(pad_h, pad_w / ratio)
        center = np.array([img_w / 2, img_h / 2], dtype=np.float32)
        scale = np.array([img_w * pad_w / rsz_w, img_h * pad_h / rsz_h], dtype=np.float32)
        # mmpose's get_warp_matrix (rotation 0): the centre, a point half the width to its left and a third point
        # a quarter turn from it, onto the same three points of the output
        src = np.float32([center, center + [-0.5 * scale[0], 0], center + [-0.5 * scale[0], 0.5 * scale[0]]])
        dst = np.float32([[pad_w / 2, pad_h / 2], [0, pad_h / 2], [0, pad_h / 2 + pad_w / 2]])
        warped = cv2.warpAffine(img, cv2.getAffineTransform(src, dst), (pad_w, pad_h), flags=cv2.INTER_LINEAR,
                                borderValue=tuple(self.meta['pad_val']))
        if self.meta['bgr_to_rgb']:
            warped = warped[..., ::-1]
        inputs = (warped.astype(np.float32) - np.float32(self.meta['mean'])) / np.float32(self.meta['std'])
        return inputs.transpose(2, 0, 1), center, scale

    def predict(self, imgs, bbox_thr: float):
        """The people of each image (a list of (H, W, 3) BGR images, one batch: a model exported with
        ``--dynamic-batch`` takes any number) scoring >= ``bbox_thr``, as image_demo's per-person dicts (image
        pixels)."""
        inputs, centers, scales = zip(*map(self.preprocess, imgs))
        outputs = dict(zip(self.names, self.session.run(None, {'input': np.stack(inputs)})))
        return [self.people(outputs, b, centers[b], scales[b], bbox_thr) for b in range(len(imgs))]

    def people(self, outputs: dict, b: int, center: np.ndarray, scale: np.ndarray, bbox_thr: float):
        """Image ``b``'s people scoring >= ``bbox_thr`` from the graph's outputs, mapped to image pixels: a point p
        to ``p * S / s_in + c - S / 2``, a std to ``sigma * S / s_in``, keypoint k's std ``sigma v_k t_k``."""
        ratio = scale / np.float32(self.meta['input_size'])
        shift = center - 0.5 * scale
        keep = outputs['dets'][b, :, 4] >= bbox_thr
        dets, kpts = outputs['dets'][b, keep], outputs['keypoints'][b, keep]
        fields = dict(keypoints=(kpts[..., :2] * ratio + shift).tolist(), keypoint_scores=kpts[..., 2].tolist(),
                      bbox=(dets[:, :4].reshape(-1, 2, 2) * ratio + shift).reshape(-1, 1, 4).tolist(),
                      bbox_score=dets[:, 4].tolist())
        if 'components' in outputs:
            sigma = outputs['sigmas'][b, keep] * ratio  # (N, 2)
            v_t = np.asarray(self.meta['sigmas']) * np.asarray(self.meta.get('keypoint_temperatures') or 1.0)
            fields.update(component=outputs['components'][b, keep].tolist(),
                          mixture_probs=outputs['mixture_probs'][b, keep].tolist(), sigma=sigma.tolist(),
                          keypoint_sigma=(sigma[:, None] * v_t[None, :, None]).tolist())
        return [dict(zip(fields, person)) for person in zip(*fields.values())]


def draw(img: np.ndarray, people, meta: dict, kpt_thr: float, radius: int, thickness: int,
         draw_bbox: bool) -> np.ndarray:
    """The people's keypoints scoring >= ``kpt_thr`` and the links between them, in the dataset's colours (RGB)."""
    out = img.copy()
    for person in people:
        pts, scores = np.asarray(person['keypoints']), np.asarray(person['keypoint_scores'])
        for (a, b), color in zip(meta['skeleton_links'], meta['skeleton_link_colors']):
            if scores[a] >= kpt_thr and scores[b] >= kpt_thr:
                cv2.line(out, tuple(map(int, pts[a])), tuple(map(int, pts[b])), color[::-1], thickness, cv2.LINE_AA)
        for k, color in enumerate(meta['keypoint_colors']):
            if scores[k] >= kpt_thr:
                cv2.circle(out, tuple(map(int, pts[k])), radius, color[::-1], -1, cv2.LINE_AA)
        if draw_bbox:
            x1, y1, x2, y2 = map(int, person['bbox'][0])
            cv2.rectangle(out, (x1, y1), (x2, y2), (0, 255, 0), thickness)
    return out


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('model', help='the .onnx file (exported --with-decode)')
    parser.add_argument('img', help='image file, folder of images or video file')
    parser.add_argument('--out-file', help='where to save the drawn image (an image INPUT)')
    parser.add_argument('--output-root', help='folder for the drawn images or video (and the predictions)')
    parser.add_argument('--save-predictions', action='store_true',
                        help='write <input name>.json with the predictions of each input')
    parser.add_argument('--bbox-thr', type=float, default=0.3, help='person score threshold (returned and drawn)')
    parser.add_argument('--kpt-thr', type=float, default=0.3, help='keypoint score threshold for drawing')
    parser.add_argument('--draw-bbox', action='store_true', help='draw the person boxes')
    parser.add_argument('--radius', type=int, default=3, help='keypoint radius')
    parser.add_argument('--thickness', type=int, default=1, help='link thickness')
    return parser.parse_args(argv)


def read_image(path: Path) -> np.ndarray:
    """The image as (H, W, 3) uint8 BGR, upright (image_demo's reading: cv2 with the EXIF orientation, grey,
    RGBA and 16-bit images converted). Raises ValueError when the file is not a decodable image."""
    img = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_COLOR) if path.stat().st_size else None
    if img is None:
        raise ValueError('not an image file, or one that cannot be decoded')
    return img


def main(argv=None) -> int:
    args = parse_args(argv)
    model = OnnxPoseModel(args.model)
    source = Path(args.img)
    if not source.exists():
        print(f'{source}: skipped: no such file or folder')
        return 1
    video = source.is_file() and (mimetypes.guess_type(source.name)[0] or '').startswith('video/')
    images = sorted(p for p in source.iterdir() if p.is_file()) if source.is_dir() else [] if video else [source]
    if source.is_dir() and not images:
        print(f'{source}: skipped: empty folder (no files in it)')
        return 1
    if args.out_file and (video or source.is_dir()):
        print(f'{source}: --out-file is for one image; use --output-root for a folder or a video')
        return 1
    out_dir = Path(args.output_root) if args.output_root else Path(args.out_file).parent if args.out_file else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)

    def predict_and_draw(img):
        people = model.predict([img], args.bbox_thr)[0]
        return people, draw(img, people, model.meta, args.kpt_thr, args.radius, args.thickness, args.draw_bbox)

    if video:
        return run_video(source, args, out_dir, predict_and_draw)
    processed = 0
    for path in images:
        try:
            img = read_image(path)
        except (OSError, ValueError) as e:
            print(f'{path}: skipped: {e}')
            continue
        people, drawn = predict_and_draw(img)
        print(f'{path}: {len(people)} people')
        out_file = args.out_file or (str(out_dir / path.name) if args.output_root else None)
        if out_file:
            cv2.imwrite(out_file, drawn)
        if args.save_predictions and out_dir:
            (out_dir / f'{path.stem}.json').write_text(json.dumps(people, indent='  '))
        processed += 1
    print(f'{processed} of {len(images)} files processed' + (f', drawn into {out_dir}' if out_dir else ''))
    return 0 if processed else 1


def run_video(path: Path, args, out_dir, predict_and_draw) -> int:
    """Every frame: drawn into ``<out_dir>/<name>.mp4``; with ``--save-predictions`` ``<name>.json`` holds
    ``[{frame_id, instances}]``."""
    reader = cv2.VideoCapture(str(path))
    fps = reader.get(cv2.CAP_PROP_FPS) or 25
    writer, frames = None, []
    while True:
        ok, frame = reader.read()
        if not ok:
            break
        people, drawn = predict_and_draw(frame)
        frames.append(dict(frame_id=len(frames), instances=people))
        if args.output_root:
            if writer is None:
                writer = cv2.VideoWriter(str(out_dir / f'{path.stem}.mp4'), cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                         (drawn.shape[1], drawn.shape[0]))
            writer.write(drawn)
    reader.release()
    if not frames:
        print(f'{path}: skipped: no frame could be decoded (not a video, or corrupt)')
        return 1
    if writer is not None:
        writer.release()
    if args.save_predictions and out_dir:
        (out_dir / f'{path.stem}.json').write_text(json.dumps(frames, indent='  '))
    print(f'{path}: {len(frames)} frames processed' + (f', drawn into {out_dir / path.stem}.mp4'
                                                        if writer is not None else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
