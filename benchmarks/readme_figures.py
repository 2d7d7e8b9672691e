"""The README's pictures, drawn from a plateau run's last checkpoint (issue 19, item 4)::

    python benchmarks/readme_figures.py work_dirs/plateau/ambiguous/MDN2_start/seed101

- ``docs/demo_viewpoint_mdn2.png``: ``demo/image_demo.py --draw-bbox --show-pi`` on three of the run's val scenes
  (``--images``), each enlarged 3x (bicubic, 128 -> 384 px) so that the drawing is legible, side by side;
- ``docs/analysis_example/``: ``tools/analysis/mdn_analysis.py`` on the run's val scenes (its report, JSON and
  charts).

Both run in this process with the run's own config (the one its folder holds) and its last checkpoint.
"""
import argparse
import json
import os.path as osp
import shutil
import sys
import tempfile
from glob import glob

import cv2

from mmpose_mdn.experiments.repository import ROOT, load_script


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('run', help='a plateau run folder (its config *.py, state.json and epoch_*.pth)')
    parser.add_argument('--images', nargs='+', default=['000001.jpg', '000005.jpg', '000007.jpg'],
                        help='val scenes drawn')
    parser.add_argument('--scale', type=int, default=3)
    parser.add_argument('--out-dir', default=osp.join(ROOT, 'docs'))
    args = parser.parse_args(argv)
    configs = sorted(glob(osp.join(args.run, '*.py')))
    state_file = osp.join(args.run, 'state.json')
    state = json.load(open(state_file)) if osp.exists(state_file) else {}
    if not configs or not state.get('plateaued'):
        parser.error(f'{args.run}: not a plateaued run (its config *.py and state.json with plateaued: true)')
    config = configs[0]
    checkpoint = open(osp.join(args.run, 'last_checkpoint')).read().strip()
    from mmengine.config import Config
    data_root = Config.fromfile(config).val_dataloader.dataset.data_root
    print(f'{config}, {checkpoint} ({state["iters"]} iterations), scenes of {data_root}', flush=True)
    image_demo = load_script('demo/image_demo.py')
    with tempfile.TemporaryDirectory() as tmp:
        drawn = []
        for name in args.images:
            path = osp.join(data_root, 'val', name)
            img = cv2.imread(path)
            if img is None:
                parser.error(f'{path}: no such image (--images names val scenes of the run)')
            big = osp.join(tmp, name)
            cv2.imwrite(big, cv2.resize(img, None, fx=args.scale, fy=args.scale, interpolation=cv2.INTER_CUBIC))
            out = osp.join(tmp, 'drawn_' + name)
            if image_demo.main([big, config, checkpoint, '--out-file', out, '--draw-bbox', '--show-pi', '--device',
                                'cpu']):
                raise RuntimeError(f'demo/image_demo.py failed on {big}')
            drawn.append(cv2.imread(out))
        figure = osp.join(args.out_dir, 'demo_viewpoint_mdn2.png')
        cv2.imwrite(figure, cv2.hconcat(drawn))
        print(f'wrote {figure}')
        analysis = load_script('tools/analysis/mdn_analysis.py')
        analysis.main([config, checkpoint, '--out-dir', osp.join(tmp, 'analysis')])
        example = osp.join(args.out_dir, 'analysis_example')
        shutil.rmtree(example, ignore_errors=True)
        shutil.copytree(osp.join(tmp, 'analysis', 'test'), example)
        print(f'wrote {example}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
