"""Calibration maths against sampling from known distributions, scipy's chi-square and xtcocotools' OKS.

Statistical checks are seeded; each tolerance is a stated number of standard errors of the sample it checks."""
import contextlib
import io

import numpy as np
import pytest
from scipy.special import log_softmax
from scipy.stats import chi2
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

from mmpose_mdn.evaluation.calibration import (ellipse_coverage, expected_calibration_error, expected_oks,
                                               fit_keypoint_temperatures, fit_pi_temperature, fit_sigma_temperature,
                                               gaussian_coverage, nearest_component, normalised_errors, person_oks,
                                               reliability, temper_pi)

COCO_SIGMAS = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89]) / 10
K = len(COCO_SIGMAS)
RADII = (1, 2, 3)


def gaussian_people(rng, n, sigmas, scale=1.0, unlabelled=0.2):
    """n people with Gaussian keypoint errors of std scale * sigma * v_k per axis: predictions, ground truth (-1e4
    where unlabelled, to break any use of it) and visibility (a share ``unlabelled`` of keypoints is 0)."""
    pred = rng.uniform(0, 640, (n, K, 2))
    gt = pred + rng.normal(size=(n, K, 2)) * scale * sigmas[:, None, :] * COCO_SIGMAS[:, None]
    visible = np.where(rng.uniform(size=(n, K)) < unlabelled, 0, rng.integers(1, 3, (n, K)))
    gt[visible == 0] = -1e4
    return pred, gt, visible


def binomial_tol(p, n, std=4.5):
    return std * np.sqrt(p * (1 - p) / n)


def assert_within(actual, expected, tol):
    """|actual - expected| <= tol elementwise (tol an array: numpy's assert_allclose wants a scalar atol)."""
    assert np.all(np.abs(actual - expected) <= tol), (actual, expected, tol)


def test_normalised_errors_direction_axes_and_unlabelled():
    pred = np.array([[[10., 20.], [30., 40.]]])
    gt = np.array([[[13., 16.], [0., 0.]]])
    z = normalised_errors(pred, gt, np.array([[2, 0]]), np.array([[100., 50.]]), np.array([.03, .1]))
    assert z.shape == (1, 2, 2)
    np.testing.assert_allclose(z[0, 0], [3 / 3, -4 / 1.5])  # (gt - mu) / (sigma_axis v_k)
    assert np.isnan(z[0, 1]).all()


def test_gaussian_coverage_is_the_chi_square_cdf():
    radii = np.linspace(0, 5, 21)
    np.testing.assert_allclose(gaussian_coverage(radii), chi2.cdf(radii ** 2, df=2), rtol=1e-12, atol=1e-15)
    assert np.round(100 * gaussian_coverage(RADII), 2).tolist() == [39.35, 86.47, 98.89]


def test_ellipse_coverage_by_hand():
    """Radius inclusive (r^2 = 1 counts at r = 1); NaN keypoints left out of the share; any leading shape."""
    z = np.array([[0.5, 0.5], [1., 0.], [1.5, 0.], [np.nan, np.nan]])
    np.testing.assert_allclose(ellipse_coverage(z, (1, 2)), [2 / 3, 1])
    np.testing.assert_allclose(ellipse_coverage(z.reshape(2, 2, 2), (1, 2)), [2 / 3, 1])
    assert np.isnan(ellipse_coverage(np.full((3, 2), np.nan))).all()


def test_coverage_of_a_calibrated_sigma_is_gaussian_and_of_a_wrong_one_is_not():
    rng = np.random.default_rng(0)
    sigmas = rng.uniform(10, 200, (1500, 2))
    pred, gt, visible = gaussian_people(rng, 1500, sigmas)
    z = normalised_errors(pred, gt, visible, sigmas, COCO_SIGMAS)
    n = int((visible > 0).sum())
    assert np.isnan(z).all(-1).sum() == z.shape[0] * K - n > 0
    expected = gaussian_coverage(RADII)
    assert_within(ellipse_coverage(z, RADII), expected, binomial_tol(expected, n))
    wrong = ellipse_coverage(normalised_errors(pred, gt, visible, 2 * sigmas, COCO_SIGMAS), RADII)
    at_double = gaussian_coverage(2 * np.array(RADII))  # z / 2 within r is z within 2r
    assert_within(wrong, at_double, binomial_tol(at_double, n))
    assert np.all(wrong[:2] - expected[:2] > 20 * binomial_tol(expected[:2], n, std=1))


def test_expected_oks_matches_monte_carlo_of_the_oks():
    """Per pair (sigma_x, sigma_y, area) the mean realised OKS of 3000 people (all keypoints, then the nose and the
    hips alone: the expectation is the same for every keypoint) within 4.5 standard errors of the formula."""
    rng = np.random.default_rng(1)
    cases = np.array([[20., 20., 400.], [60., 30., 900.], [150., 150., 2500.], [5., 80., 3000.]])
    for sx, sy, area in cases:
        n = 3000
        sigmas, areas = np.tile([sx, sy], (n, 1)), np.full(n, area)
        pred, gt, visible = gaussian_people(rng, n, sigmas, unlabelled=0)
        expected = expected_oks(sigmas, areas)
        assert np.ptp(expected) == 0
        for ids in (slice(None), [0], [11]):
            oks = person_oks(pred[:, ids], gt[:, ids], visible[:, ids], areas, COCO_SIGMAS[ids])
            assert abs(oks.mean() - expected[0]) < 4.5 * oks.std() / np.sqrt(n), (sx, sy, area, ids)
    np.testing.assert_allclose(expected_oks(np.array([[20., 20.], [60., 30.], [0., 0.]]), np.array([400., 900., 1.])),
                               [1 / 1.25, (2 * 1.25) ** -0.5, 1])


def test_expected_oks_with_keypoint_temperatures_matches_monte_carlo():
    """Keypoint k's errors of std sigma v_k t_k, a third of the keypoints unlabelled: the realised OKS (COCO's, over
    each person's labelled keypoints) minus the formula's expectation for the same labelled set averages to 0 within
    4.5 standard errors over 4000 people; NaN for a person with no labelled keypoint; t_k = 1 is the shared formula."""
    rng = np.random.default_rng(8)
    n, t = 4000, np.linspace(0.4, 2.0, K)
    sigmas, areas = np.tile([60., 35.], (n, 1)), np.full(n, 1600.)
    pred, gt, visible = gaussian_people(rng, n, sigmas, scale=t[:, None], unlabelled=0.3)
    visible[0] = 0
    expected = expected_oks(sigmas, areas, t, visible)
    diff = (person_oks(pred, gt, visible, areas, COCO_SIGMAS) - expected)[1:]
    assert np.isnan(expected[0]) and not np.isnan(diff).any()
    assert abs(diff.mean()) < 4.5 * diff.std() / np.sqrt(n - 1)
    assert abs((person_oks(pred, gt, visible, areas, COCO_SIGMAS)[1:] - expected_oks(sigmas, areas)[1:]).mean()) > \
        20 * diff.std() / np.sqrt(n - 1)  # the shared formula is far off for these errors
    np.testing.assert_allclose(expected_oks(sigmas, areas, np.ones(K), visible)[1:], expected_oks(sigmas, areas)[1:])


def test_keypoint_temperatures_recover_each_scale_where_one_temperature_cannot():
    """Keypoint k's errors s_k times the predicted sigma v_k (s from 0.3 to 2: the plateaued MDN2's shoulders and
    wrists differ so): one temperature per keypoint recovers each s_k (std s_k / sqrt(2 m_k) for m_k labelled
    keypoints) and calibrates the coverage; the shared temperature leaves it off; a keypoint labelled nowhere keeps
    1."""
    rng = np.random.default_rng(9)
    s = np.linspace(0.3, 2.0, K)
    sigmas = rng.uniform(10, 200, (2000, 2))
    pred, gt, visible = gaussian_people(rng, 2000, sigmas, scale=s[:, None])
    z = normalised_errors(pred, gt, visible, sigmas, COCO_SIGMAS)
    t = fit_keypoint_temperatures(z)
    m = (visible > 0).sum(0)
    assert_within(t, s, 4.5 * s / np.sqrt(2 * 2 * m))
    n, expected = int(m.sum()), gaussian_coverage(RADII)
    shared = ellipse_coverage(z / fit_sigma_temperature(z), RADII)
    assert abs(shared[0] - expected[0]) > 20 * binomial_tol(expected[0], n, std=1)
    per_keypoint = ellipse_coverage(normalised_errors(pred, gt, visible, sigmas, COCO_SIGMAS * t), RADII)
    assert_within(per_keypoint, expected, binomial_tol(expected, n, std=5))
    z[:, 3] = np.nan
    assert fit_keypoint_temperatures(z)[3] == 1.0 and fit_keypoint_temperatures(z)[4] == t[4]
    with pytest.raises(ValueError, match='at least one labelled keypoint'):
        fit_keypoint_temperatures(np.full((2, K, 2), np.nan))


def coco_pair(gt_people, pred_people):
    """COCOeval's OKS of each prediction against its ground truth: one image per pair, fresh COCO objects (gt:
    (keypoints (K, 3), area); pred: keypoints (K, 2))."""
    images = [dict(id=i + 1, width=640, height=480) for i in range(len(gt_people))]
    anns = []
    for i, (kpts, area) in enumerate(gt_people):
        xy = kpts[kpts[:, 2] > 0, :2] if (kpts[:, 2] > 0).any() else np.zeros((1, 2))
        x0, y0 = xy.min(0)
        w, h = xy.max(0) - xy.min(0)
        anns.append(dict(id=i + 1, image_id=i + 1, category_id=1, iscrowd=0, area=float(area),
                         bbox=[float(x0), float(y0), float(w), float(h)], num_keypoints=int((kpts[:, 2] > 0).sum()),
                         keypoints=kpts.reshape(-1).tolist()))
    results = [dict(image_id=i + 1, category_id=1, score=1.0,
                    keypoints=np.concatenate([p, np.ones((K, 1))], 1).reshape(-1).tolist())
               for i, p in enumerate(pred_people)]
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = dict(images=images, annotations=anns, categories=[dict(id=1, name='person')])
        coco.createIndex()
        coco_eval = COCOeval(coco, coco.loadRes(results), 'keypoints', COCO_SIGMAS, True)
        coco_eval.params.useSegm = None
        coco_eval.evaluate()
    return np.array([coco_eval.ious[i + 1, 1][0, 0] for i in range(len(gt_people))])


def test_person_oks_equals_xtcocotools():
    rng = np.random.default_rng(2)
    n = 4
    gt = np.concatenate([rng.uniform(100, 400, (n, K, 2)), rng.integers(1, 3, (n, K, 1))], -1)
    gt[0, [3, 9], :] = 0  # unlabelled, stored as COCO does (0, 0, 0)
    gt[2, 16, 2] = 0  # unlabelled with coordinates
    pred = gt[..., :2] + rng.normal(0, 8, (n, K, 2))
    pred[0, [3, 9]] = [200, 300]  # far from the unlabelled ground truth's (0, 0)
    areas = np.array([9000., 2500., 40000., 700.])
    ours = person_oks(pred, gt[..., :2], gt[..., 2], areas, COCO_SIGMAS)
    np.testing.assert_allclose(ours, coco_pair(list(zip(gt, areas)), pred), rtol=1e-12)
    assert 0.05 < ours.min() and ours.max() < 0.99  # neither saturated nor vanishing: the check has teeth
    assert np.isnan(person_oks(pred[:1], gt[:1, :, :2], np.zeros((1, K)), areas[:1], COCO_SIGMAS)).all()


def ece_by_hand(confidence, outcome, bins):
    """Independent of the module: the bin by flooring confidence x bins."""
    idx = np.minimum((confidence * bins).astype(int), bins - 1)
    ece = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            ece += m.sum() / len(confidence) * abs(confidence[m].mean() - outcome[m].mean())
    return ece


def test_ece_of_a_calibrated_set_is_near_zero():
    """outcome ~ Bernoulli(confidence), N = 20000, B = 15: bin b's gap is ~N(0, p_b (1 - p_b) / n_b), so E[ECE] =
    sqrt(2 / pi) sum_b n_b/N sqrt(p_b (1 - p_b) / n_b) ~ 0.8 sqrt(B E[c (1 - c)] / N) = 0.009 (Jensen's bound, with
    p (1 - p) <= 1/4: sqrt(B / (4N)) = 0.014), its spread ~0.002: below 0.02. The overconfident
    Bernoulli(confidence^3) set's is E[c - c^3] = 1/4 (c >= c^3 in every bin)."""
    rng = np.random.default_rng(3)
    conf = rng.uniform(size=20000)
    assert expected_calibration_error(conf, rng.uniform(size=20000) < conf) < 0.02
    over = (rng.uniform(size=20000) < conf ** 3).astype(float)
    ece = expected_calibration_error(conf, over)
    assert ece == pytest.approx(ece_by_hand(conf, over, 15), rel=1e-12)
    assert ece == pytest.approx(0.25, abs=0.02)


def test_reliability_bins_continuous_outcomes_and_empty_bins():
    rng = np.random.default_rng(4)
    conf = rng.uniform(0.5, 1, 3000)
    oks = conf ** 2  # continuous outcomes
    rel = reliability(conf, oks, bins=10)
    assert rel.count.sum() == 3000 and (rel.count[:5] == 0).all() and (rel.count[5:] > 0).all()
    assert np.isnan(rel.confidence[:5]).all() and np.isnan(rel.outcome[:5]).all()
    assert rel.ece == pytest.approx(ece_by_hand(conf, oks, 10), rel=1e-12)
    np.testing.assert_allclose(rel.edges, np.arange(11) / 10)
    # c = 1 falls in the last bin; the empty middle bins add nothing
    rel = reliability([0.05, 0.95, 0.95, 1.0], [0, 1, 0, 1], bins=10)
    assert rel.count.tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 3]
    np.testing.assert_allclose(rel.confidence[[0, 9]], [0.05, 2.9 / 3])
    assert rel.ece == pytest.approx(0.25 * 0.05 + 0.75 * abs(2.9 / 3 - 2 / 3))
    with pytest.raises(ValueError, match='in \\[0, 1\\]'):
        reliability([0.5, 1.2], [0, 1])


def test_sigma_temperature_recovers_the_scale_and_calibrates_coverage():
    """Errors 1.7x wider than predicted: T^2 = mean z^2 over the m = 2n entries of n labelled keypoints has relative
    std sqrt(2 / m), so T's std is T / sqrt(2m); then z / T covers as the Gaussian (binomial error, plus the fit's,
    hence 5 standard errors)."""
    rng = np.random.default_rng(5)
    sigmas = rng.uniform(10, 200, (1500, 2))
    pred, gt, visible = gaussian_people(rng, 1500, sigmas, scale=1.7)
    z = normalised_errors(pred, gt, visible, sigmas, COCO_SIGMAS)
    n = int((visible > 0).sum())
    t = fit_sigma_temperature(z)
    assert abs(t - 1.7) < 4.5 * 1.7 / np.sqrt(2 * 2 * n)
    expected = gaussian_coverage(RADII)
    assert ellipse_coverage(z, RADII)[0] < expected[0] - 20 * binomial_tol(expected[0], n, std=1)
    assert_within(ellipse_coverage(z / t, RADII), expected, binomial_tol(expected, n, std=5))
    calibrated = normalised_errors(pred, gt, visible, sigmas * t, COCO_SIGMAS)  # sigma * T is the calibrated sigma
    np.testing.assert_allclose(calibrated, z / t, equal_nan=True)
    assert fit_sigma_temperature(calibrated) == pytest.approx(1.0)


def test_pi_temperature_recovers_the_temperature():
    """Labels ~ softmax(logits / 2.5): the MLE of T has asymptotic std T^2 / sqrt(N mean_n Var_{p_n}(logits_n))
    (Fisher information of d/dT log softmax(l / T)_y = -(l_y - E_p l) / T^2); the fit must be within 4.5 of it."""
    rng = np.random.default_rng(6)
    n, m, t_true = 20000, 5, 2.5
    logits = rng.normal(0, 3, (n, m))
    p = temper_pi(logits, t_true)
    target = np.minimum((rng.uniform(size=(n, 1)) > np.cumsum(p, 1)).sum(1), m - 1)  # inverse-cdf sampling
    log_pi = log_softmax(logits, axis=1)  # normalised log weights: the tempering is the same
    var = (p * logits ** 2).sum(1) - (p * logits).sum(1) ** 2
    std = t_true ** 2 / np.sqrt(n * var.mean())
    assert std < 0.03
    assert abs(fit_pi_temperature(log_pi, target) - t_true) < 4.5 * std
    np.testing.assert_allclose(temper_pi(log_pi, 1.0).sum(1), 1)
    weights = np.exp(logits / t_true)
    np.testing.assert_allclose(temper_pi(log_pi, t_true), weights / weights.sum(1, keepdims=True))
    argmax_target = logits.argmax(1)  # always the top component: the sharpest allowed weights fit best
    assert fit_pi_temperature(log_pi, argmax_target) == pytest.approx(0.05, rel=1e-3)


def test_nearest_component_ignores_unlabelled_keypoints():
    gt = np.array([[[0., 0.], [10., 0.], [0., 10.]],
                   [[0., 0.], [10., 0.], [np.nan, np.nan]]])
    visible = np.array([[2, 1, 0], [1, 1, 0]])
    comps = np.empty((2, 3, 3, 2))
    # person 0: component 0 exact on the labelled keypoints, far on the unlabelled one (counting it picks 1)
    comps[0, 0] = [[0., 0.], [10., 0.], [100., 100.]]
    comps[0, 1] = gt[0] + 1
    comps[0, 2] = gt[0] + 5
    # person 1: NaN ground truth where unlabelled must not poison the sums; component 2 is nearest
    comps[1, 0] = [[3., 0.], [10., 0.], [0., 0.]]
    comps[1, 1] = [[0., 0.], [10., 4.], [0., 0.]]
    comps[1, 2] = [[1., 1.], [11., 0.], [0., 0.]]
    assert nearest_component(comps, gt, visible).tolist() == [0, 2]
    assert nearest_component(comps[:1], gt[:1], np.ones((1, 3))).tolist() == [1]
