"""MMPose plugin: mixture density network offset regression for CenterNet-style multi-person pose estimation.

``custom_imports=dict(imports=['mmpose_mdn'])`` registers every component into mmpose's registries.
"""
from . import codecs, models  # noqa: F401

__version__ = '0.1.0'
