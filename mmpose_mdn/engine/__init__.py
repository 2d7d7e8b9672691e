from .hooks import MDNAnalysisHook, MDNDataInitHook, MDNLossScheduleHook, SaveMetricsHook
from .mid_epoch_resume_loop import MidEpochResumeTrainLoop

__all__ = ['MDNAnalysisHook', 'MDNDataInitHook', 'MDNLossScheduleHook', 'MidEpochResumeTrainLoop', 'SaveMetricsHook']
