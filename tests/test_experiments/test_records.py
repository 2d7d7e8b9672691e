"""A run's record (mmpose_mdn/experiments/records.py): restored only where it has finished, with its claims' scores,
into a work folder that has not finished the run itself; never over a finished run's own files."""
import json

from mmpose_mdn.experiments import records


def write_run(folder, iters, finished, ap):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'scores.json').write_text(json.dumps({f'{iters}/on': {'coco/AP': ap}}))
    (folder / 'state.json').write_text(json.dumps(dict(iters=iters, plateaued=finished)))
    (folder / 'claims.json').write_text(json.dumps(dict(iters=iters)))


def test_a_record_lies_under_its_work_dirs_name():
    assert records.record_dir('/r', '/x/work_dirs/plateau_lr_step/', 'visible', 'MDN2', 'gate', 3) == \
        '/r/plateau_lr_step/visible/MDN2_gate/seed3'
    assert records.record_dir('/r', 'w/plateau', 'ambiguous', 'L1', 'gate', 101) == '/r/plateau/ambiguous/L1/seed101'


def test_only_a_finished_record_is_restored_and_never_over_a_finished_run(tmp_path):
    record, work = tmp_path / 'record', tmp_path / 'work'
    write_run(record, 8000, True, 0.2)
    assert records.restore(str(record), str(work), 16000)
    assert json.loads((work / 'scores.json').read_text()) == {'8000/on': {'coco/AP': 0.2}}
    write_run(work, 9000, True, 0.3)  # this machine's own finished run stays
    assert not records.restore(str(record), str(work), 16000)
    assert json.loads((work / 'state.json').read_text())['iters'] == 9000
    write_run(work, 4000, False, 0.1)  # a run this machine has not finished takes the record
    assert records.restore(str(record), str(work), 16000) and (work / 'claims.json').read_text() == '{"iters": 8000}'
    write_run(record, 6000, False, 0.1)  # an unfinished record is never restored
    write_run(work, 2000, False, 0.05)
    assert not records.restore(str(record), str(work), 16000)
    assert records.restore(str(record), str(work), 6000)  # at the cap: finished
    write_run(record, 8000, True, 0.2)
    (record / 'claims.json').unlink()  # nor one whose claims were not scored
    write_run(work, 2000, False, 0.05)
    assert not records.restore(str(record), str(work), 16000)


def test_save_copies_the_three_files(tmp_path):
    write_run(tmp_path / 'work', 8000, True, 0.2)
    records.save(str(tmp_path / 'work'), str(tmp_path / 'r' / 'run'))
    assert sorted(p.name for p in (tmp_path / 'r' / 'run').iterdir()) == sorted(records.FILES)
