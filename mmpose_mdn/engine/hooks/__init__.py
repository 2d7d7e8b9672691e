from .mdn_data_init_hook import MDNDataInitHook
from .mdn_loss_schedule_hook import MDNLossScheduleHook

__all__ = ['MDNDataInitHook', 'MDNLossScheduleHook']
