"""Bottom-up pose estimation on one image, drawn with mmpose's PoseLocalVisualizer (mmpose's demo/image_demo.py):

    .venv/bin/python demo/image_demo.py IMG CONFIG CHECKPOINT --out-file vis.jpg [--draw-bbox] [--kpt-thr 0.3]

For MDN models each person's chosen component, mixing probabilities and σ are printed (and, with --out-json,
saved with the keypoints)."""
from argparse import ArgumentParser

import mmcv
import mmengine
from mmpose.apis import inference_bottomup, init_model
from mmpose.registry import VISUALIZERS

import mmpose_mdn  # noqa: F401  registers the components and the weights-only checkpoint loader


def parse_args(argv=None):
    parser = ArgumentParser(description='Bottom-up pose estimation on one image')
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-file', help='where to save the drawn image')
    parser.add_argument('--out-json', help='where to save the predictions (json)')
    parser.add_argument('--device', default='cpu', help='device used for inference')
    parser.add_argument('--cfg-options', nargs='+', action=mmengine.DictAction, help='override config settings')
    parser.add_argument('--draw-bbox', action='store_true', help='draw the person boxes')
    parser.add_argument('--show-kpt-idx', action='store_true', help='write each keypoint index beside it')
    parser.add_argument('--skeleton-style', default='mmpose', choices=['mmpose', 'openpose'])
    parser.add_argument('--kpt-thr', type=float, default=0.3, help='keypoint score threshold for drawing')
    parser.add_argument('--radius', type=int, default=3, help='keypoint radius')
    parser.add_argument('--thickness', type=int, default=1, help='link thickness')
    parser.add_argument('--show', action='store_true', help='show the result in a window')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model = init_model(args.config, args.checkpoint, device=args.device, cfg_options=args.cfg_options)
    model.cfg.visualizer.radius = args.radius
    model.cfg.visualizer.line_width = args.thickness
    visualizer = VISUALIZERS.build(model.cfg.visualizer)
    visualizer.set_dataset_meta(model.dataset_meta, skeleton_style=args.skeleton_style)

    result = inference_bottomup(model, args.img)[0]
    pred = result.pred_instances
    print(f'{args.img}: {len(pred)} people')
    people = []
    for i in range(len(pred)):
        person = dict(bbox=pred.bboxes[i].tolist(), bbox_score=float(pred.bbox_scores[i]),
                      keypoints=pred.keypoints[i].tolist(), keypoint_scores=pred.keypoint_scores[i].tolist())
        if 'components' in pred:
            person.update(component=int(pred.components[i]), mixture_probs=pred.mixture_probs[i].tolist(),
                          sigmas=pred.sigmas[i].tolist())
            print(f'  person {i}: score {person["bbox_score"]:.2f}, component {person["component"]}, '
                  f'pi {[round(p, 2) for p in person["mixture_probs"]]}')
        people.append(person)
    if args.out_json:
        mmengine.dump(dict(image=args.img, people=people), args.out_json)

    image = mmcv.imread(args.img, channel_order='rgb')
    visualizer.add_datasample('result', image, data_sample=result, draw_gt=False, draw_bbox=args.draw_bbox,
                              show_kpt_idx=args.show_kpt_idx, skeleton_style=args.skeleton_style, show=args.show,
                              out_file=args.out_file, kpt_thr=args.kpt_thr)
    if args.out_file:
        print(f'drawn: {args.out_file}')


if __name__ == '__main__':
    main()
