"""What the components of a trained MDN head do at the annotated front/back people of a viewpoint-scene split:
:func:`~mmpose_mdn.viewpoint.summarise_components` (π by viewpoint, the chosen and the oracle component's error and
agreement with the viewpoint, the mirror distance for scale), printed as json::

    python benchmarks/mdn_components.py configs/viewpoint/hg-tiny_mdn3_viewpoint.py \\
        work_dirs/viewpoint_benchmark/seed1/MDN3/epoch_20.pth work_dirs/viewpoint_benchmark/data/seed1 [--split val]
        [--out x.json]
"""
from viewpoint.runner import checkpoint_command


def main(argv=None):
    from mmpose_mdn.viewpoint import centre_components, summarise_components
    checkpoint_command(__doc__.split('\n\n')[0], lambda model, root, split: summarise_components(
        centre_components(model, root, split)), argv, split=True)


if __name__ == '__main__':
    main()
