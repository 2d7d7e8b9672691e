from .keypoint_set_check_hook import KeypointSetCheckHook
from .mdn_analysis_hook import MDNAnalysisHook
from .mdn_data_init_hook import MDNDataInitHook
from .mdn_loss_schedule_hook import MDNLossScheduleHook
from .optimizer_state_reset_hook import OptimizerStateResetHook
from .save_metrics_hook import SaveMetricsHook
from .stop_dataloader_workers_hook import StopDataloaderWorkersHook
from .training_dynamics_hook import TrainingDynamicsHook

__all__ = ['KeypointSetCheckHook', 'MDNAnalysisHook', 'MDNDataInitHook', 'MDNLossScheduleHook',
           'OptimizerStateResetHook', 'SaveMetricsHook', 'StopDataloaderWorkersHook', 'TrainingDynamicsHook']
