"""benchmarks/readme_figures.py refuses what it cannot draw from, naming it: a folder that is not a plateaued run,
and a scene the run's val split does not hold (the drawing itself was checked by hand on the plateau runs)."""
import json

import pytest
from mmengine.config import Config

from conftest import ROOT, load_script

figures = load_script('benchmarks/readme_figures.py')


def test_not_a_plateaued_run_and_a_missing_scene_are_named(tmp_path, capsys):
    run = tmp_path / 'MDN2_start' / 'seed7'
    run.mkdir(parents=True)
    with pytest.raises(SystemExit):
        figures.main([str(run)])
    assert f'{run}: not a plateaued run' in capsys.readouterr().err
    cfg = Config.fromfile(ROOT / 'configs' / 'viewpoint' / 'hg-tiny_mdn2_viewpoint.py')
    cfg.val_dataloader.dataset.data_root = str(tmp_path / 'data') + '/'
    cfg.dump(run / 'hg-tiny_mdn2_viewpoint.py')
    (run / 'state.json').write_text(json.dumps(dict(iters=8000, plateaued=False)))
    with pytest.raises(SystemExit):
        figures.main([str(run)])  # still not plateaued
    (run / 'state.json').write_text(json.dumps(dict(iters=8000, plateaued=True)))
    (run / 'last_checkpoint').write_text(str(run / 'epoch_80.pth'))
    with pytest.raises(SystemExit):
        figures.main([str(run), '--images', 'nope.jpg', '--out-dir', str(tmp_path)])
    assert f'{tmp_path / "data" / "val" / "nope.jpg"}: no such image' in capsys.readouterr().err
