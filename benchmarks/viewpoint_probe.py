"""Does a trained model know a person's viewpoint at the centre pixel, where the offsets (and π) are read? The
linear probe :func:`~mmpose_mdn.viewpoint.viewpoint_probe` (front vs back from the backbone's and the offset branch's
features at the centres, fitted on the train split, scored on val), printed as json::

    python benchmarks/viewpoint_probe.py CONFIG CHECKPOINT DATA_ROOT [--out probe.json]
"""
import argparse
import json

import torch
from mmpose.apis import init_model

from mmpose_mdn.viewpoint import viewpoint_probe


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('data_root', help='a viewpoint-scene root with train/ and val/ splits')
    parser.add_argument('--out', help='also write the accuracies as json here')
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    model = init_model(args.config, args.checkpoint, device='cpu')  # another model's checkpoint fails
    summary = viewpoint_probe(model, args.data_root)
    print(json.dumps(summary, indent=1))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(summary, f, indent=1)


if __name__ == '__main__':
    main()
