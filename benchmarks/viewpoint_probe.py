"""Does a trained model know a person's viewpoint at the centre pixel, where the offsets (and π) are read? The
linear probe :func:`~mmpose_mdn.viewpoint.viewpoint_probe` (front vs back from the backbone's and the offset branch's
features at the centres, fitted on the train split, scored on val), printed as json::

    python benchmarks/viewpoint_probe.py CONFIG CHECKPOINT DATA_ROOT [--out probe.json]
"""
from viewpoint.runner import checkpoint_command


def main(argv=None):
    from mmpose_mdn.viewpoint import viewpoint_probe
    checkpoint_command(__doc__.split('\n\n')[0], viewpoint_probe, argv)


if __name__ == '__main__':
    main()
