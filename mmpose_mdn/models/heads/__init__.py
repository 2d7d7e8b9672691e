from .centernet_mdn_head import CenterNetMDNHead

__all__ = ['CenterNetMDNHead']
