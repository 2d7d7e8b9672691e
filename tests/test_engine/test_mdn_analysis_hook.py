"""MDNAnalysisHook inside real tools/test.py and tools/train.py runs of the coco-mini MDN3 model, and
tools/analysis/mdn_analysis.py giving the same numbers from the test's dump; bad input."""
import json
import pickle

import mmengine
import numpy as np
import pytest

from conftest import (ANALYSIS_HOOK, MINI_MDN, SETS, call_tool, coco_mini_copy, data_dir, free_port, load_script,
                      mini_data_options, run_tool, scalars)
from mmpose_mdn.evaluation.predictions import MDN_FIELDS

pytestmark = pytest.mark.slow  # real tools/test.py, tools/train.py and dist_test.sh runs

HOOK = ANALYSIS_HOOK
FILES = ('analysis.json', 'report.md', 'groups.png', 'ablations.png', 'components.png', 'calibration.png')


@pytest.fixture(scope='module')
def tested(mini_test_run):
    """The session's tools/test.py run: the hook switched on, --out metrics and a --dump of the predictions."""
    return mini_test_run


def test_hook_reports_next_to_coco_metric(tested):
    out, log = tested
    report = out / 'analysis' / 'test'
    assert all((report / f).stat().st_size > 0 for f in FILES)
    analysis = json.loads((report / 'analysis.json').read_text())
    metrics = json.loads((out / 'metrics.json').read_text())
    full = analysis['ablations']['full']['all']
    # the same predictions scored by CocoMetric and by the analysis' own COCOeval
    assert [full[k] for k in ('AP', 'AP50', 'AP75', 'AR')] == pytest.approx(
        [metrics[f'coco/{k}'] for k in ('AP', 'AP .5', 'AP .75', 'AR')])
    assert analysis['keypoint_groups']['model']['All'] == full['AP']
    dump = mmengine.load(out / 'preds.pkl')
    comps = np.concatenate([d['pred_instances']['components'] for d in dump])
    scores = np.concatenate([d['pred_instances']['bbox_scores'] for d in dump])
    assert analysis['predictions'] == len(comps) and analysis['images'] == len(dump) == 79
    for t, share in analysis['components']['shares'].items():
        assert share['n'] == int((scores >= float(t)).sum())
        assert share['share'] == pytest.approx(np.bincount(comps[scores >= float(t)], minlength=3) / max(share['n'], 1))
    assert len(analysis['ablations']) == 13 and 'note' not in analysis
    assert 'MDN analysis (' in log and 'keypoint-group AP All' in log
    logged = [r for r in scalars(out) if 'analysis/group/All' in r]
    assert len(logged) == 1 and logged[0]['analysis/full/visible_face'] == analysis['ablations']['full'][
        'visible_face']['AP']


@pytest.fixture(scope='module')
def first12(tested, tmp_path_factory):
    """coco_mini with the first 12 images the session's test run read (val images with people, in file order; 4
    training images) and their annotations alone: the data of the tools' own test runs below, whose analyses then
    score 12 images, not 79."""
    out, _ = tested
    ids = [d['img_id'] for d in mmengine.load(out / 'preds.pkl')[:12]]
    return coco_mini_copy(tmp_path_factory.mktemp('first12'), train=4, val=ids)


@pytest.fixture(scope='module')
def from_checkpoint(tested, mini_checkpoint, first12, tmp_path_factory):
    """tools/analysis/mdn_analysis.py from the session's checkpoint: it runs the test (on the first 12 val images)
    with the hook, compared (``--compare``) with the session's dump of the same images. Returns its analysis."""
    out = tmp_path_factory.mktemp('from_checkpoint')
    config, kept = run_config_with_dump(out, mini_data_options(first12))
    before = config.read_bytes()
    proc = call_tool('tools/analysis/mdn_analysis.py', config, mini_checkpoint, '--out-dir', out, '--seeds', '0',
                     '--displacements', '1', '--compare', first12_dump(tested, out))
    assert f'report: {out / "test" / "report.md"}' in proc.stdout
    assert kept.read_bytes() == b'the run\'s predictions'  # the config's DumpResults is left out
    assert config.read_bytes() == before  # the test's config (hook on, load_from) went beside the report
    return json.loads((out / 'test' / 'analysis.json').read_text())


def first12_dump(tested, folder):
    """The session's dump of the first 12 images alone, written to ``folder/first12.pkl`` (its path)."""
    out, _ = tested
    (folder / 'first12.pkl').write_bytes(pickle.dumps(mmengine.load(out / 'preds.pkl')[:12]))
    return folder / 'first12.pkl'


def run_config_with_dump(folder, options):
    """The coco-mini config with ``options`` as a run dumps it, its test evaluators ending with a DumpResults into
    the run's (existing) ``predictions.pkl``: (config path, that file)."""
    from mmengine.config import Config
    cfg = Config.fromfile(MINI_MDN)
    cfg.merge_from_dict(dict(option.split('=', 1) for option in options))
    kept = folder / 'predictions.pkl'
    kept.write_bytes(b'the run\'s predictions')
    cfg.test_evaluator = [cfg.test_evaluator, dict(type='DumpResults', out_file_path=str(kept))]
    cfg.dump(folder / 'run_config.py')
    return folder / 'run_config.py', kept


def test_tool_from_the_checkpoint_runs_the_test_with_the_hook(tested, from_checkpoint):
    out, _ = tested
    dump = mmengine.load(out / 'preds.pkl')  # the session's test run of the same checkpoint, on all 79 images
    assert from_checkpoint['predictions'] == sum(len(d['pred_instances']['bbox_scores']) for d in dump[:12])
    # compared with the same model's predictions: the people it matches, the same errors (pixel errors of a
    # model matching nobody would be NaN)
    compared = from_checkpoint['compared']
    assert compared['people'] >= 1 and compared['other_ap'] == from_checkpoint['keypoint_groups']['model']['All']
    assert all(e['model'] == e['other'] > 0 for e in compared['groups'].values() if not np.isnan(e['model']))
    assert compared['other'].endswith('first12.pkl')


def test_tool_gives_the_same_numbers_from_the_dump(tested, from_checkpoint, first12, tmp_path):
    """The session's dump of the first 12 images, analysed by the tool, gives what the tool's own test run of them
    gave."""
    dump = first12_dump(tested, tmp_path)
    call_tool('tools/analysis/mdn_analysis.py', MINI_MDN, '--dump', dump, '--out-dir', tmp_path, '--seeds', '0',
              '--displacements', '1', '--compare', dump, '--cfg-options', *mini_data_options(first12))
    analysis = json.loads((tmp_path / 'test' / 'analysis.json').read_text())
    assert analysis.pop('compared') == dict(from_checkpoint['compared'], other=str(dump))
    assert analysis == {k: v for k, v in from_checkpoint.items() if k != 'compared'}
    assert '## Pixel errors against' in (tmp_path / 'test' / 'report.md').read_text()
    assert all((tmp_path / 'test' / f).stat().st_size > 0 for f in FILES)


def assert_close_tree(a, b, rtol):
    """Nested dicts / lists equal in structure, their numbers to ``rtol``."""
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_close_tree(a[k], b[k], rtol)
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_close_tree(x, y, rtol)
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=rtol, nan_ok=True)
    else:
        assert a == b


def test_two_processes_give_the_same_analysis(tested, from_checkpoint, mini_checkpoint, first12, tmp_path):
    """tools/dist_test.sh with two CPU processes (6 images each): the hook gathers both ranks' predictions before
    analysing, and finds what one process found; CocoMetric's --out and its keypoints file cover all 12 images."""
    out, _ = tested
    run_tool('tools/dist_test.sh', MINI_MDN, mini_checkpoint, 2, '--work-dir', tmp_path, '--out',
             tmp_path / 'test.json', '--cfg-options', *mini_data_options(first12), *HOOK,
             env={'PORT': str(free_port())})
    gathered = json.loads((tmp_path / 'analysis' / 'test' / 'analysis.json').read_text())
    # sigma and pi come out of the network with the last bits of the thread count (one per process here): the
    # calibration fitted on them is equal to ~1e-7, everything else exactly
    assert_close_tree(gathered.pop('calibration'), from_checkpoint['calibration'], rtol=1e-5)
    assert gathered == {k: v for k, v in from_checkpoint.items() if k not in ('calibration', 'compared')}
    assert json.loads((tmp_path / 'test.json').read_text())['coco/AP'] == from_checkpoint['ablations']['full'][
        'all']['AP']
    predictions = json.loads((tmp_path / 'test.keypoints.json').read_text())
    assert {p['image_id'] for p in predictions} == {d['img_id'] for d in mmengine.load(out / 'preds.pkl')[:12]}


def test_l1_predictions_get_groups_displacement_and_a_note(tested, tmp_path):
    out, _ = tested
    dump = mmengine.load(out / 'preds.pkl')
    for d in dump:
        d['pred_instances'] = {k: v for k, v in d['pred_instances'].items() if k not in MDN_FIELDS}
    (tmp_path / 'l1.pkl').write_bytes(pickle.dumps(dump))
    call_tool('tools/analysis/mdn_analysis.py', 'configs/mdn/hg-tiny_base_coco-mini.py', '--dump', tmp_path / 'l1.pkl',
             '--out-dir', tmp_path, '--seeds', '0', '--displacements', '1', '2', '--cfg-options', *mini_data_options())
    analysis = json.loads((tmp_path / 'test' / 'analysis.json').read_text())
    assert analysis['note'].startswith('component analyses need an MDN head')
    assert 'components' not in analysis and list(analysis['ablations']) == ['full']
    groups = analysis['keypoint_groups']
    assert len(groups['model']) == 12 and list(groups['gt_displaced']) == ['1px', '2px']
    assert f'Note: {analysis["note"]}' in (tmp_path / 'test' / 'report.md').read_text()


def test_bad_input_names_the_file(tested, tmp_path):
    out, _ = tested
    proc = call_tool('tools/analysis/mdn_analysis.py', 'configs/mdn/hg-tiny_base_coco-mini.py', '--dump',
                    out / 'preds.pkl', '--cfg-options', *mini_data_options(), check=False)
    assert proc.returncode != 0 and f'{out / "preds.pkl"} holds predictions with 3 components' in proc.stderr
    missing = tmp_path / 'nowhere.json'
    proc = call_tool('tools/analysis/mdn_analysis.py', '--ann-file', missing, check=False)
    assert proc.returncode != 0 and f'annotation file {missing} does not exist' in proc.stderr
    boxes = tmp_path / 'instances.json'
    boxes.write_text(json.dumps(dict(images=[dict(id=1)], annotations=[dict(id=1, image_id=1, bbox=[0, 0, 9, 9])])))
    proc = call_tool('tools/analysis/mdn_analysis.py', MINI_MDN, '--dump', out / 'preds.pkl', '--ann-file', boxes,
                    check=False)
    assert proc.returncode != 0 and f'{boxes} has no person keypoints' in proc.stderr
    proc = call_tool('tools/analysis/mdn_analysis.py', MINI_MDN, '--dump', out / 'preds.pkl', '--cfg-options',
                    *mini_data_options(), 'test_evaluator.nms_mode=oks_nms', check=False)
    assert proc.returncode != 0 and "CocoMetric's nms_mode is 'oks_nms'" in proc.stderr
    proc = call_tool('tools/analysis/mdn_analysis.py', MINI_MDN, '--dump', out / 'preds.pkl', '--compare', missing,
                    '--cfg-options', *mini_data_options(), check=False)
    assert proc.returncode != 0 and f'--compare {missing} does not exist' in proc.stderr


def test_hook_checks_its_annotation_file_before_inference(mini_checkpoint, tmp_path):
    missing = tmp_path / 'nowhere.json'
    proc = call_tool('tools/test.py', MINI_MDN, mini_checkpoint, '--work-dir', tmp_path, '--cfg-options',
                    *mini_data_options(), *HOOK, f'default_hooks.analysis.ann_file={missing}', check=False)
    assert proc.returncode != 0 and f'annotation file {missing} does not exist' in proc.stderr
    assert 'Epoch(test)' not in proc.stdout + proc.stderr
    other = tmp_path / 'nowhere.pkl'
    proc = call_tool('tools/test.py', MINI_MDN, mini_checkpoint, '--work-dir', tmp_path, '--cfg-options',
                    *mini_data_options(), *HOOK, f'default_hooks.analysis.compare={other}', check=False)
    assert proc.returncode != 0 and f'MDNAnalysisHook compare {other} does not exist' in proc.stderr
    assert 'Epoch(test)' not in proc.stdout + proc.stderr


def test_annotation_file_alone_gives_the_displacement(tmp_path):
    ann = data_dir('coco_test4') / SETS['coco_test4'][1]
    call_tool('tools/analysis/mdn_analysis.py', '--ann-file', ann, '--out-dir', tmp_path, '--displacements', '0', '2',
             '--seeds', '0')
    analysis = json.loads((tmp_path / 'analysis.json').read_text())
    assert set(analysis['keypoint_groups']) == {'gt_displaced'} and 'ablations' not in analysis
    assert set(analysis['keypoint_groups']['gt_displaced']['0px'].values()) == {1.0}
    assert '| GT displaced 2px |' in (tmp_path / 'report.md').read_text()


def test_hook_logs_scalars_every_validation_epoch(first12, tmp_path):
    """Two epochs of training (of one iteration: 4 images) with validation (on 12 val images): a report and the
    scalars (vis_data, as TensorBoard would get them) per epoch."""
    call_tool('tools/train.py', MINI_MDN, '--work-dir', tmp_path, '--cfg-options', *mini_data_options(first12), *HOOK,
              'train_cfg.max_epochs=2', 'train_cfg.val_interval=1', 'randomness.seed=0')
    assert all((tmp_path / 'analysis' / f'val_epoch_{e}' / 'analysis.json').is_file() for e in (1, 2))
    logged = [r for r in scalars(tmp_path) if 'analysis/group/All' in r]
    coco = {r['step']: r['coco/AP'] for r in scalars(tmp_path) if 'coco/AP' in r}
    assert [r['step'] for r in logged] == [1, 2] and list(coco) == [1, 2]
    for r in logged:
        analysis = json.loads((tmp_path / 'analysis' / f'val_epoch_{r["step"]}' / 'analysis.json').read_text())
        assert r['analysis/group/Wrists'] == analysis['keypoint_groups']['model']['Wrists']
        assert coco[r['step']] == pytest.approx(analysis['ablations']['full']['all']['AP'])


def test_temperatures_fitted_on_one_split_report_and_apply_on_another(tested, from_checkpoint, mini_checkpoint,
                                                                       first12, tmp_path):
    """--fit-out on the session's first 12 images (its checkpoint, barely trained, matches one person there: the
    fitting split is the reported one here; a user fits on a split it does not report) writes the temperatures and
    their .py fragment, with --fit-keypoints one sigma temperature per keypoint in place of the shared one (the
    shared file is written from the same analysis). --temperatures with both (the shared sigma temperature and
    the per-keypoint ones, pi's) reports the calibration before and after them, and the head's test_cfg with the
    same temperatures gives predictions (keypoint_sigmas = sigma T v_k t_k) whose calibration is that 'after': the
    analysis applies them as the head does, and a fit on them finds the first fits divided by T_sigma."""
    dump = first12_dump(tested, tmp_path)
    tool = load_script('tools/analysis/mdn_analysis.py')
    common = ['--seeds', '0', '--displacements', '1', '--cfg-options', *mini_data_options(first12)]
    call_tool('tools/analysis/mdn_analysis.py', MINI_MDN, '--dump', dump, '--out-dir', tmp_path / 'fit', '--fit-out',
              tmp_path / 'Tk.json', '--fit-keypoints', *common)
    tool.write_temperatures(str(tmp_path / 'fit' / 'test' / 'analysis.json'), str(tmp_path / 'T.json'))
    per_keypoint, shared = (json.loads((tmp_path / f).read_text()) for f in ('Tk.json', 'T.json'))
    assert set(shared) == {'sigma_temperature', 'pi_temperature', 'oks_area_ratio'}
    assert all(v > 0 for v in shared.values())
    assert set(per_keypoint) == {'keypoint_temperatures', 'pi_temperature', 'oks_area_ratio'}
    t = np.array(per_keypoint['keypoint_temperatures'])
    assert len(t) == 17 and (t > 0).all() and np.ptp(t) > 0.1
    for name, fitted in (('T', shared), ('Tk', per_keypoint)):
        assert mmengine.Config.fromfile(tmp_path / f'{name}.py').model.test_cfg.to_dict() == fitted
    temperatures = {**shared, **per_keypoint}
    (tmp_path / 'both.json').write_text(json.dumps(temperatures))
    call_tool('tools/analysis/mdn_analysis.py', MINI_MDN, '--dump', dump, '--out-dir', tmp_path / 'report',
              '--temperatures', tmp_path / 'both.json', *common)
    reported = json.loads((tmp_path / 'report' / 'test' / 'analysis.json').read_text())['calibration']
    assert reported['before'] == from_checkpoint['calibration']['before']
    assert reported['after']['temperatures'] == temperatures
    report = (tmp_path / 'report' / 'test' / 'report.md').read_text()
    assert '## Calibration' in report and (f'after (T_sigma {temperatures["sigma_temperature"]:.3g}, T_pi '
                                           f'{temperatures["pi_temperature"]:.3g}, one T per keypoint)') in report
    assert (tmp_path / 'report' / 'test' / 'calibration.png').stat().st_size > 0
    call_tool('tools/analysis/mdn_analysis.py', MINI_MDN, mini_checkpoint, '--out-dir', tmp_path / 'applied',
              *common, *(f'model.test_cfg.{k}={v!r}'.replace(' ', '') for k, v in temperatures.items()))
    applied = json.loads((tmp_path / 'applied' / 'test' / 'analysis.json').read_text())['calibration']
    after, before = reported['after'], applied['before']
    assert before['person_score'] == after['person_score']
    for key in ('coverage', 'rms'):
        for group, values in after['sigma'][key].items():
            np.testing.assert_allclose(np.array(before['sigma'][key][group], dtype=float),
                                       np.array(values, dtype=float), rtol=1e-5, err_msg=f'{key} {group}')
    for name in ('confidence', 'outcome'):
        np.testing.assert_allclose(np.array(before['sigma']['expected_oks'][name], dtype=float),
                                   np.array(after['sigma']['expected_oks'][name], dtype=float), rtol=1e-5)
        np.testing.assert_allclose(np.array(before['pi'][name], dtype=float), np.array(after['pi'][name], dtype=float),
                                   rtol=1e-4)
    labelled = t != 1  # a keypoint the matched person has no label for keeps 1
    np.testing.assert_allclose(np.array(applied['keypoint_temperatures'])[labelled],
                               1 / temperatures['sigma_temperature'], rtol=1e-4)
    with pytest.raises(ValueError, match='must hold sigma_temperature or keypoint_temperatures'):
        (tmp_path / 'bad.json').write_text(json.dumps(dict(keypoint_temperatures=[1.0, -1.0])))
        tool.load_temperatures(str(tmp_path / 'bad.json'))
