from .mdn_loss import MDNLoss, mdn_channels, mdn_parameters

__all__ = ['MDNLoss', 'mdn_channels', 'mdn_parameters']
