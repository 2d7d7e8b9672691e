from .mdn_analysis_hook import MDNAnalysisHook
from .mdn_data_init_hook import MDNDataInitHook
from .mdn_loss_schedule_hook import MDNLossScheduleHook
from .save_metrics_hook import SaveMetricsHook

__all__ = ['MDNAnalysisHook', 'MDNDataInitHook', 'MDNLossScheduleHook', 'SaveMetricsHook']
