"""The calibration of a run's predictions: hand-made people with known Gaussian errors (coverage, the fitted
temperature and its effect, pi's reliability) and each prediction's best OKS against xtcocotools' own."""
import contextlib
import io

import numpy as np
import pytest
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

from mmpose_mdn.evaluation import CalibrationData, Predictions, best_oks, calibration_analysis, gaussian_coverage

V = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89]) / 10
K = len(V)
GROUPS = {'All': list(range(K)), 'Facial': list(range(5))}


def dataset(gt, areas, image_ids):
    """A COCO keypoint dataset of people ``gt`` (P, K, 3) with ``areas`` (P,) in the images ``image_ids`` (P,)."""
    images = [dict(id=int(i), width=1000, height=1000) for i in np.unique(image_ids)]
    anns = []
    for n, (kpts, area, img) in enumerate(zip(gt, areas, image_ids)):
        xy = kpts[kpts[:, 2] > 0, :2]
        x0, y0 = xy.min(0)
        w, h = xy.max(0) - xy.min(0)
        anns.append(dict(id=n + 1, image_id=int(img), category_id=1, iscrowd=0, area=float(area),
                         bbox=[float(x0), float(y0), float(w), float(h)], num_keypoints=int((kpts[:, 2] > 0).sum()),
                         keypoints=kpts.reshape(-1).tolist()))
    return dict(images=images, annotations=anns, categories=[dict(id=1, name='person')])


def mdn_predictions(image_ids, keypoints, sigmas, pi, far):
    """Two-component predictions: component 0 at ``keypoints``, component 1 ``far`` away; the chosen one is pi's
    largest, whose keypoints the person reports."""
    comps = pi.argmax(1)
    component_keypoints = np.stack([keypoints, keypoints + far], axis=1)
    n = len(keypoints)
    return Predictions(np.asarray(image_ids), dict(
        keypoints=component_keypoints[np.arange(n), comps], keypoint_scores=np.ones((n, K)),
        bbox_scores=np.full(n, 0.9), components=comps, mixture_probs=pi, component_keypoints=component_keypoints,
        component_keypoint_scores=np.ones((n, 2, K)), sigmas=sigmas))


def test_known_gaussian_errors_are_found_and_calibrated():
    """600 people whose errors are 1.6x the predicted sigma * v_k: coverage below the Gaussian's, the fitted
    temperature 1.6 (within 4.5 standard errors of its estimate, 1.6 / sqrt(2 m) for m normalised errors), and
    after it the 1- and 2-sigma coverage within 4.5 binomial standard errors of 39.3 / 86.5 %."""
    rng = np.random.default_rng(0)
    n = 600
    pred = rng.uniform(200, 800, (n, K, 2))
    sigmas = rng.uniform(20, 80, (n, 2))
    gt = np.concatenate([pred + rng.normal(size=(n, K, 2)) * 1.6 * sigmas[:, None] * V[:, None],
                         rng.integers(1, 3, (n, K, 1)).astype(float)], -1)
    gt[:, 0, 2] = 0  # noses unlabelled: left out of every statistic
    pi = rng.dirichlet([2, 2], n)
    preds = mdn_predictions(np.arange(n) + 1, pred, sigmas, pi, far=np.array([300., 0.]))
    data = dataset(gt, rng.uniform(5e3, 5e4, n), np.arange(n) + 1)
    cal = CalibrationData(preds, data, gt, V, np.where(pi[:, 0] > pi[:, 1], np.arange(n) + 1, -1))
    chosen_zero = pi[:, 0] > pi[:, 1]  # the people who chose the right component are matched
    assert len(cal.rows) == chosen_zero.sum() and (cal.nearest == 0).all()
    m = 2 * (K - 1) * len(cal.rows)
    fitted = cal.fit_temperatures()
    assert abs(fitted['sigma_temperature'] - 1.6) < 4.5 * 1.6 / np.sqrt(2 * m)
    best = best_oks(preds, data, gt, V)
    before = calibration_analysis(cal, preds.fields['bbox_scores'], best, GROUPS)
    after = calibration_analysis(cal, preds.fields['bbox_scores'], best, GROUPS, fitted)
    labelled = m // 2
    gauss = gaussian_coverage(np.array([1., 2.]))
    tol = 4.5 * np.sqrt(gauss * (1 - gauss) / labelled)
    assert np.all(np.array(before['sigma']['coverage']['All'][:2]) < gauss - 5 * tol)
    assert np.all(np.abs(np.array(after['sigma']['coverage']['All'][:2]) - gauss) < tol)
    assert after['sigma']['coverage']['Facial'][0] == pytest.approx(
        np.mean(np.sum(cal.errors(fitted['sigma_temperature'])[:, 1:5] ** 2, -1) <= 1))
    np.testing.assert_allclose(before['sigma']['rms']['All'], 1.6, rtol=0.05)
    # pi: every matched person chose component 0, the nearest; its confidence is its largest pi
    assert before['pi']['outcome'] == [None if c == 0 else 1.0 for c in before['pi']['count']]
    largest = pi.max(1)[chosen_zero]
    ece = sum(((largest >= lo) & (largest < lo + 1 / 15)).sum() / len(largest)
              * abs(largest[(largest >= lo) & (largest < lo + 1 / 15)].mean() - 1)
              for lo in np.arange(15) / 15 if ((largest >= lo) & (largest < lo + 1 / 15)).any())
    assert before['pi']['ece'] == pytest.approx(ece)
    assert before['person_score']['count'][13] == n  # every score is 0.9


def test_keypoint_temperatures_calibrate_errors_one_temperature_cannot():
    """600 people whose keypoint k errs s_k times the predicted sigma v_k (s from 0.3 to 2): the shared temperature
    leaves the 1-sigma coverage off the Gaussian's; the per-keypoint temperatures recover s and, applied, bring the
    coverage and the expected OKS's calibration error in line."""
    rng = np.random.default_rng(3)
    n, s = 600, np.linspace(0.3, 2.0, K)
    pred = rng.uniform(200, 800, (n, K, 2))
    sigmas = rng.uniform(20, 80, (n, 2))
    gt = np.concatenate([pred + rng.normal(size=(n, K, 2)) * s[:, None] * sigmas[:, None] * V[:, None],
                         np.ones((n, K, 1))], -1)
    preds = mdn_predictions(np.arange(n) + 1, pred, sigmas, np.tile([0.8, 0.2], (n, 1)), far=np.array([300., 0.]))
    cal = CalibrationData(preds, dataset(gt, rng.uniform(2e3, 2e4, n), np.arange(n) + 1), gt, V, np.arange(n) + 1)
    t = np.array(cal.fit_keypoint_temperatures())
    np.testing.assert_allclose(t, s, rtol=4.5 / np.sqrt(2 * 2 * n))
    scores, best = preds.fields['bbox_scores'], np.zeros(n)
    shared = calibration_analysis(cal, scores, best, GROUPS, cal.fit_temperatures())
    per_keypoint = calibration_analysis(cal, scores, best, GROUPS, dict(keypoint_temperatures=t.tolist()))
    gauss = gaussian_coverage(np.array([1., 2.]))
    tol = 4.5 * np.sqrt(gauss * (1 - gauss) / (n * K))
    assert abs(shared['sigma']['coverage']['All'][0] - gauss[0]) > 5 * tol[0]
    assert np.all(np.abs(np.array(per_keypoint['sigma']['coverage']['All'][:2]) - gauss) < tol)
    np.testing.assert_allclose(per_keypoint['sigma']['rms']['All'], 1, rtol=0.05)
    assert per_keypoint['sigma']['expected_oks']['ece'] < shared['sigma']['expected_oks']['ece']
    assert per_keypoint['sigma']['expected_oks']['ece'] < 0.03


def test_temperatures_the_head_applied_are_read_from_the_predictions():
    """Predictions made with test_cfg.keypoint_temperatures t carry keypoint_sigmas = sigma v_k t_k: analysed as
    they are, their calibration is that of the same predictions without them analysed with temperatures t, and a
    fit on them finds 1 for every keypoint."""
    rng = np.random.default_rng(4)
    n, s = 300, np.linspace(0.3, 2.0, K)
    pred = rng.uniform(200, 800, (n, K, 2))
    sigmas = rng.uniform(20, 80, (n, 2))
    gt = np.concatenate([pred + rng.normal(size=(n, K, 2)) * s[:, None] * sigmas[:, None] * V[:, None],
                         rng.integers(0, 3, (n, K, 1)).astype(float)], -1)
    gt[:, :2, 2] = 1
    pi = np.tile([0.8, 0.2], (n, 1))
    data = dataset(gt, rng.uniform(2e3, 2e4, n), np.arange(n) + 1)
    plain = mdn_predictions(np.arange(n) + 1, pred, sigmas, pi, far=np.array([300., 0.]))
    applied = mdn_predictions(np.arange(n) + 1, pred, sigmas, pi, far=np.array([300., 0.]))
    applied.fields['keypoint_sigmas'] = sigmas[:, None] * (V * s)[:, None]
    cal_plain, cal_applied = (CalibrationData(p, data, gt, V, np.arange(n) + 1) for p in (plain, applied))
    scores, best = plain.fields['bbox_scores'], np.zeros(n)
    ours = calibration_analysis(cal_applied, scores, best, GROUPS)['sigma']
    theirs = calibration_analysis(cal_plain, scores, best, GROUPS, dict(keypoint_temperatures=s.tolist()))['sigma']
    for key in ('coverage', 'rms'):
        for group in GROUPS:
            np.testing.assert_allclose(ours[key][group], theirs[key][group], rtol=1e-9, err_msg=f'{key} {group}')
    for key in ('confidence', 'outcome', 'count'):
        np.testing.assert_allclose(np.array(ours['expected_oks'][key], dtype=float),
                                   np.array(theirs['expected_oks'][key], dtype=float), rtol=1e-9, err_msg=key)
    assert ours['expected_oks']['ece'] == pytest.approx(theirs['expected_oks']['ece'], rel=1e-9)
    assert abs(ours['rms']['All'][0] - 1) < 0.1 < abs(calibration_analysis(cal_plain, scores, best, GROUPS)[
        'sigma']['rms']['All'][0] - 1)
    np.testing.assert_allclose(cal_applied.fit_keypoint_temperatures(), 1, rtol=4.5 / np.sqrt(2 * n / 3))
    np.testing.assert_allclose(cal_plain.fit_keypoint_temperatures(), s, rtol=4.5 / np.sqrt(2 * n / 3))


def test_best_oks_is_xtcocotools_highest_oks_per_prediction():
    """Two images of two people each; three predictions per image (near the first person, near the second, far
    from both): each one's highest OKS against its image's people, as COCOeval computes the OKS."""
    rng = np.random.default_rng(1)
    gt = np.concatenate([rng.uniform(100, 900, (4, K, 2)), np.full((4, K, 1), 2.)], -1)
    gt[1, 3, 2] = 0
    image_ids = np.array([1, 1, 2, 2])
    areas = np.array([20000., 9000., 40000., 3000.])
    pred = np.concatenate([gt[[0, 1], :, :2] + rng.normal(0, 10, (2, K, 2)), gt[[0], :, :2] + 400,
                           gt[[2, 3], :, :2] + rng.normal(0, 10, (2, K, 2)), gt[[3], :, :2] - 300])
    pred_images = np.repeat([1, 2], 3)
    scores = np.array([0.9, 0.8, 0.7, 0.9, 0.8, 0.7])  # COCOeval orders by score: the order given here
    data = dataset(gt, areas, image_ids)
    preds = Predictions(pred_images, dict(keypoints=pred, keypoint_scores=np.ones((6, K)), bbox_scores=scores))
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = data
        coco.createIndex()
        results = [dict(image_id=int(i), category_id=1, score=float(s),
                        keypoints=np.concatenate([p, np.ones((K, 1))], 1).reshape(-1).tolist())
                   for i, s, p in zip(pred_images, scores, pred)]
        coco_eval = COCOeval(coco, coco.loadRes(results), 'keypoints', V, True)
        coco_eval.params.useSegm = None
        coco_eval.evaluate()
    expected = np.concatenate([coco_eval.ious[img, 1].max(1) for img in (1, 2)])
    np.testing.assert_allclose(best_oks(preds, data, gt, V), expected, rtol=1e-12)
    assert expected[[0, 1, 3, 4]].min() > 0.3 and expected[[2, 5]].max() < 0.01
