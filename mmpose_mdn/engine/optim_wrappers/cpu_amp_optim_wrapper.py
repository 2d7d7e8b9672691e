"""Mixed precision training without a GPU: ``tools/train.py --amp`` on a CPU machine."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmengine.runner.amp import autocast
from mmpose.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """mmengine's ``OptimWrapper`` whose forward runs under CPU autocast in bfloat16.

    mmengine's ``AmpOptimWrapper`` (float16 with loss scaling) needs CUDA/NPU/MLU. On a CPU, autocast takes
    bfloat16, which has float32's exponent range, so gradients need no loss scaling. The losses keep their own
    float32 maths (the head casts heatmaps and the mixture to float32).
    """

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        with super().optim_context(model), autocast(device_type='cpu', dtype=torch.bfloat16):
            yield
