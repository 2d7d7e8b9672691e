"""MMPose plugin: mixture density network offset regression for CenterNet-style multi-person pose estimation.

``custom_imports=dict(imports=['mmpose_mdn'])`` registers every component into mmpose's registries and changes
nothing else: mmengine reads checkpoints with torch's weights-only unpickler once one of our models is built
(:func:`mmpose_mdn.utils.register_weights_only_loader`), and mmpose's inferencers stay as they are (ours is
:class:`mmpose_mdn.apis.CenterNetPoseInferencer`).
"""
from . import apis, codecs, datasets, engine, evaluation, models, viewpoint, visualization  # noqa: F401

__version__ = '0.1.0'
