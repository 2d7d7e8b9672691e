"""What the components of a trained MDN head do at the annotated front/back people of a viewpoint-scene split:
:func:`~mmpose_mdn.viewpoint.summarise_components` (π by viewpoint, the chosen and the oracle component's error and
agreement with the viewpoint, the mirror distance for scale), printed as json::

    python benchmarks/mdn_components.py configs/viewpoint/hg-tiny_mdn3_viewpoint.py \\
        work_dirs/viewpoint_benchmark/seed1/MDN3/epoch_20.pth work_dirs/viewpoint_benchmark/data/seed1 [--out x.json]
"""
import argparse
import json

from mmpose.apis import init_model

from mmpose_mdn.viewpoint import centre_components, summarise_components


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('data_root', help='a viewpoint-scene root (annotations/ and <split>/)')
    parser.add_argument('--split', default='val')
    parser.add_argument('--out', help='also write the summary as json here')
    args = parser.parse_args(argv)
    model = init_model(args.config, args.checkpoint, device='cpu')  # another model's checkpoint fails
    summary = summarise_components(centre_components(model, args.data_root, args.split))
    print(json.dumps(summary, indent=1))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(summary, f, indent=1)


if __name__ == '__main__':
    main()
