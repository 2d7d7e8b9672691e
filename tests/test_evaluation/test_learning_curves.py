"""Learning curves over seeds, the ratio to a reference curve and the plateau, against hand computations and numpy."""
import math

import numpy as np
import pytest

from mmpose_mdn.evaluation import curve_stats, meets_ratio, plateau_rise, plateaued, ratio_to_reference, tail_mean


def test_curve_stats_over_common_iterations():
    iters, mean, std = curve_stats({0: {250: 0.1, 500: 0.3, 750: 0.9}, 1: {250: 0.3, 500: 0.5}})
    assert iters == [250, 500]
    np.testing.assert_allclose(mean, [0.2, 0.4])
    np.testing.assert_allclose(std, [0.1, 0.1])  # population std of two values: half their difference


def test_ratio_of_seed_means_on_common_seeds_from_an_iteration():
    mdn = {0: {500: 0.2, 1000: 0.5, 1500: 0.0}, 1: {500: 0.4, 1000: 0.7, 1500: 0.0}, 9: {1000: 5.0, 1500: 5.0}}
    l1 = {0: {500: 0.3, 1000: 0.5, 1500: 0.0}, 1: {500: 0.5, 1000: 0.7, 1500: 0.2}}
    ratios = ratio_to_reference(mdn, l1, from_iter=1000)  # seed 9 has no reference: left out
    assert list(ratios) == [1000, 1500]
    assert ratios[1000] == pytest.approx(1.0) and ratios[1500] == 0.0
    assert ratio_to_reference({0: {1: 0.0}}, {0: {1: 0.0}}) == {1: 1.0}
    assert math.isinf(ratio_to_reference({0: {1: 0.1}}, {0: {1: 0.0}})[1])
    assert meets_ratio({1000: 0.96, 1500: 0.95}, 0.95) and not meets_ratio({1000: 0.96, 1500: 0.949}, 0.95)
    assert not meets_ratio({}, 0.95)
    with pytest.raises(ValueError, match='no common seed'):
        ratio_to_reference({0: {1: 0.1}}, {1: {1: 0.1}})


def test_plateau_rise_is_the_fitted_rise_over_the_last_quarter():
    """Against numpy's least squares on the scores of the last quarter (iterations 1500-2000 of 2000): a curve
    rising 0.004 per 100 iterations there rises 0.02; one that flattens rises less than the 0.01 threshold, however
    a single score jumps."""
    rising = {i: 0.3 + 4e-5 * i for i in range(250, 2001, 250)}
    assert plateau_rise(rising) == pytest.approx(4e-5 * 500)
    assert not plateaued(rising)
    flat = {i: 0.5 - 0.4 * np.exp(-i / 200) for i in range(250, 2001, 250)}
    flat[1750] += 0.03  # one noisy score
    tail = [1500, 1750, 2000]
    expected = np.polyfit(tail, [flat[i] for i in tail], 1)[0] * 500
    assert plateau_rise(flat) == pytest.approx(expected) and abs(expected) < 0.01
    assert plateaued(flat) and not plateaued(flat, min_scores=9)  # 8 scores, at least 9 asked
    assert plateau_rise({1000: 0.1, 2000: 0.3}) == pytest.approx(0.2)  # fewer than two in the quarter: the last two


def test_tail_mean_averages_the_plateau_rules_window():
    """The scores at iterations >= 0.75 x the last (6000, 7000, 8000 of 1000..8000), or the last two."""
    curve = {i: i / 1000 for i in range(1000, 9000, 1000)}
    assert tail_mean(curve) == pytest.approx((6 + 7 + 8) / 3)
    assert tail_mean({1000: 0.1, 2000: 0.3}) == pytest.approx(0.2)
    assert tail_mean({1000: 0.1, 4000: 0.2, 8000: 0.4}) == pytest.approx(0.3)  # 4000 < 6000: the last two
    assert tail_mean({8000: 0.4}) == pytest.approx(0.4)
