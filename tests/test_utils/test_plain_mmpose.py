"""A plain mmpose user is unaffected by this plugin until one of our configs is used: importing mmpose, or
``mmpose_mdn`` as a config's ``custom_imports`` does, leaves mmengine's checkpoint loader, torch's weights-only
allow-list and mmpose's inferencer as they are; building one of our models (``init_model`` on our config) makes
mmengine read checkpoints with our weights-only loader and still changes nothing else. In a fresh interpreter:
this session has long imported and built everything."""
import json
import subprocess
import sys

from conftest import MINI_MDN, ROOT

SCRIPT = '''
import json, pickle, sys
import numpy as np, torch
import mmpose.apis
import mmpose.structures
from mmengine.runner.checkpoint import CheckpointLoader
from mmpose.apis.inferencers import base_mmpose_inferencer as base

config, path = sys.argv[1:]
torch.save(dict(state_dict=dict(), meta=dict(seed=np.int64(3))), path)  # an mmengine checkpoint's numpy meta
safe_globals, preprocess = torch.serialization.get_safe_globals(), base.BaseMMPoseInferencer.preprocess


def state():
    try:
        loads = CheckpointLoader.load_checkpoint(path, map_location='cpu')['meta']['seed'] == 3
    except pickle.UnpicklingError:
        loads = False
    return dict(loader=CheckpointLoader._get_checkpoint_loader(path).__module__, loads_numpy_meta=bool(loads),
                torch_allow_list=torch.serialization.get_safe_globals() == safe_globals,
                mmpose_inferencer=base.split_instances is mmpose.structures.split_instances
                and base.BaseMMPoseInferencer.preprocess is preprocess)


states = dict(mmpose=state())
import mmpose_mdn  # noqa: E402
states['import mmpose_mdn'] = state()
mmpose.apis.init_model(config, device='cpu')
states['our config'] = state()
print(json.dumps(states))
'''


def test_mmpose_is_unaffected_until_our_config_is_used(tmp_path):
    proc = subprocess.run([sys.executable, '-c', SCRIPT, str(ROOT / MINI_MDN), str(tmp_path / 'meta.pth')],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    states = json.loads(proc.stdout.strip().splitlines()[-1])
    plain = dict(loader='mmengine.runner.checkpoint', loads_numpy_meta=False, torch_allow_list=True,
                 mmpose_inferencer=True)
    assert states == {'mmpose': plain, 'import mmpose_mdn': plain,
                      'our config': dict(plain, loader='mmpose_mdn.utils.checkpoint', loads_numpy_meta=True)}
