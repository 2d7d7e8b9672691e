from .hooks import MDNDataInitHook, MDNLossScheduleHook
from .mid_epoch_resume_loop import MidEpochResumeTrainLoop

__all__ = ['MDNDataInitHook', 'MDNLossScheduleHook', 'MidEpochResumeTrainLoop']
