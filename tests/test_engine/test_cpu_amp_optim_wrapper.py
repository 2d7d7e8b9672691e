"""tools/train.py --amp on a CPU: the forward runs under bfloat16 autocast, the step updates the weights."""
import torch
from torch import nn

from mmpose_mdn.engine import CPUAmpOptimWrapper


def test_forward_in_bfloat16_and_step_in_float32():
    torch.manual_seed(0)
    model = nn.Conv2d(3, 4, 3)
    wrapper = CPUAmpOptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    x = torch.randn(2, 3, 8, 8)
    assert model(x).dtype == torch.float32
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        out = model(x)
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().square().mean())
    assert model.weight.dtype == torch.float32 and not torch.equal(model.weight, before)
