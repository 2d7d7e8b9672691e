from .hooks import MDNDataInitHook, MDNLossScheduleHook
from .mid_epoch_resume_loop import MidEpochResumeTrainLoop
from .optim_wrappers import CPUAmpOptimWrapper

__all__ = ['CPUAmpOptimWrapper', 'MDNDataInitHook', 'MDNLossScheduleHook', 'MidEpochResumeTrainLoop']
