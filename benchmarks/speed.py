"""Speed of the MDN head against the L1 base model, measured side by side in one process (CPU); the measurements and
the report are :mod:`mmpose_mdn.experiments.speed`::

    .venv/bin/python benchmarks/speed.py --baseline benchmarks/results/speed_before_311ca8e.md
                                                    # every size -> benchmarks/speed.md, with a before/after table
    .venv/bin/python benchmarks/speed.py --quick    # the tiny hourglass at 128, few repeats (under a minute)
"""
import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from mmpose_mdn.experiments.repository import DATA, ROOT
from mmpose_mdn.experiments.speed import FULL, QUICK, SECTIONS, markdown, measure


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description='Speed of MDN vs the L1 base model (CPU), written as Markdown')
    parser.add_argument('--quick', action='store_true', help='the tiny hourglass at 128 only, few repeats')
    parser.add_argument('--only', nargs='+', choices=SECTIONS, default=list(SECTIONS), help='sections to run')
    parser.add_argument('--sizes', nargs='+', help='size labels to run, e.g. "tiny 128" (default: all)')
    parser.add_argument('--threads', type=int, default=1, help='torch.set_num_threads. Defaults to 1')
    parser.add_argument('--out', type=Path, default=ROOT / 'benchmarks' / 'speed.md', help='Markdown output')
    parser.add_argument('--baseline', type=Path,
                        help='a Markdown file of this script run on an older commit: adds a before/after table')
    args = parser.parse_args(argv)
    if not (DATA / 'coco_mini').is_dir():
        raise SystemExit(f'{DATA / "coco_mini"} is absent: set MDN_DATA to the folder holding coco_mini/')
    sizes = [s for s in (QUICK if args.quick else FULL) if not args.sizes or s.label in args.sizes]
    started, start, load = datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'), time.time(), os.getloadavg()
    rows = measure(sizes, args.only, args.threads)
    command = 'python benchmarks/speed.py' + ' '.join([''] + list(sys.argv[1:] if argv is None else argv))
    text = markdown(rows, command, args.threads, args.baseline, started, (load[0], os.getloadavg()[0]),
                    time.time() - start)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + '\n')
    print(text)
    return rows


if __name__ == '__main__':
    main()
