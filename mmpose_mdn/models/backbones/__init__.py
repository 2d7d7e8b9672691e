from .hourglass_variants import HourglassVariantNet

__all__ = ['HourglassVariantNet']
