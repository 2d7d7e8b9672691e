"""End-to-end latency on the CPU, PyTorch against onnxruntime and one-pass MDN3 against flip-test L1, side by side in
one process; the measurements and the report are :mod:`mmpose_mdn.experiments.latency`::

    .venv/bin/python benchmarks/latency.py                 # tiny, XSmallHG, SmallHG -> benchmarks/latency.md
    .venv/bin/python benchmarks/latency.py --families tiny  # the tiny hourglass only

Needs the deploy extra (``make install-deploy``) and coco_mini (``MDN_DATA``).
"""
import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from mmpose_mdn.experiments.latency import BATCHES, FAMILIES, coco_mini_images, markdown, measure
from mmpose_mdn.experiments.repository import ROOT


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='End-to-end latency, PyTorch vs onnxruntime (CPU), as Markdown')
    parser.add_argument('--families', nargs='+', choices=list(FAMILIES), default=list(FAMILIES))
    parser.add_argument('--batches', nargs='+', type=int, default=list(BATCHES))
    parser.add_argument('--out', type=Path, default=ROOT / 'benchmarks' / 'latency.md', help='Markdown output')
    args = parser.parse_args(argv)
    if len(coco_mini_images(max(args.batches))) < max(args.batches):
        raise SystemExit(f'coco_mini val has fewer than {max(args.batches)} images: set MDN_DATA to the folder '
                         'holding coco_mini/')
    started, start, load = datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'), time.time(), os.getloadavg()
    rows, networks, parity = measure(args.families, args.batches)
    command = 'python benchmarks/latency.py' + ' '.join([''] + list(sys.argv[1:] if argv is None else argv))
    text = markdown(rows, command, started, (load[0], os.getloadavg()[0]), time.time() - start, parity,
                    networks)
    args.out.write_text(text + '\n')
    print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
