from .mdn_loss import MDNLoss

__all__ = ['MDNLoss']
