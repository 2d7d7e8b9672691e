"""MMPose plugin: mixture density network offset regression for CenterNet-style multi-person pose estimation.

``custom_imports=dict(imports=['mmpose_mdn'])`` registers every component into mmpose's registries and lets
mmengine load its checkpoints with torch's weights-only unpickler (see :mod:`mmpose_mdn.utils.checkpoint`).
"""
from . import apis, codecs, datasets, engine, evaluation, models, viewpoint, visualization  # noqa: F401
from .utils import allow_mmengine_checkpoints

allow_mmengine_checkpoints()

__version__ = '0.1.0'
