"""Learning curves over seeds and the ratio to a reference curve, against hand computations."""
import math

import numpy as np
import pytest

from mmpose_mdn.evaluation import curve_stats, meets_ratio, ratio_to_reference


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
