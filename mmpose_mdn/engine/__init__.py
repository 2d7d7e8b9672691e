from .hooks import (KeypointSetCheckHook, MDNAnalysisHook, MDNDataInitHook, MDNLossScheduleHook,
                    OptimizerStateResetHook, SaveMetricsHook, StopDataloaderWorkersHook, TrainingDynamicsHook)
from .mid_epoch_resume_loop import MidEpochResumeTrainLoop
from .optim_wrappers import CPUAmpOptimWrapper

__all__ = [
    'CPUAmpOptimWrapper', 'KeypointSetCheckHook', 'MDNAnalysisHook', 'MDNDataInitHook', 'MDNLossScheduleHook',
    'MidEpochResumeTrainLoop',
    'OptimizerStateResetHook', 'SaveMetricsHook', 'StopDataloaderWorkersHook', 'TrainingDynamicsHook'
]
