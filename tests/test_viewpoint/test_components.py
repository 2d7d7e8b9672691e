"""What the components do at the ground-truth centres: each quantity against a hand or brute-force computation
(the rows of a real model: tests/test_viewpoint/test_centres.py)."""
import itertools

import numpy as np
import pytest

from mmpose_mdn.viewpoint import front_pi, summarise_components
from mmpose_mdn.viewpoint.components import (FLIP, component_agreement, component_errors, component_spread,
                                             mirror_distance)


def test_errors_spread_and_mirror_by_hand():
    offsets = np.zeros((17, 2))
    offsets[5], offsets[6] = (3, 0), (-1, 0)  # left and right shoulder: mirror partners 4 px apart
    visible = np.zeros(17, bool)
    visible[[5, 6]] = True
    means = np.stack([offsets, offsets + (0, 2), offsets + (6, 8)])  # exact; 2 px off; 10 px off
    np.testing.assert_allclose(component_errors(means, offsets, visible), [0, 2, 10])
    assert component_spread(means) == pytest.approx((2 + 10 + np.hypot(6, 6)) / 3)
    assert mirror_distance(offsets, visible) == pytest.approx(4)  # |(3,0)-(-1,0)| for both of the pair
    visible[6] = False
    assert np.isnan(mirror_distance(offsets, visible)), 'no keypoint visible with its partner'
    assert sorted(FLIP[5:7]) == [5, 6] and FLIP[5] == 6


def brute_force_agreement(views, comps, M):
    """The best share over every assignment of distinct components to front and back."""
    best = 0
    for f, b in itertools.permutations(range(M), 2):
        best = max(best, np.mean([(v == 'front' and c == f) or (v == 'back' and c == b) for v, c in zip(views, comps)]))
    return best


@pytest.mark.parametrize('seed', range(5))
def test_agreement_is_the_best_assignment(seed):
    rng = np.random.default_rng(seed)
    views = rng.choice(['front', 'back'], 30)
    comps = rng.integers(0, 3, 30)
    assert component_agreement(views, comps, 3) == pytest.approx(brute_force_agreement(views, comps, 3))


def test_summary_of_hand_made_rows():
    rows = [dict(view='front', pi=np.array([0.9, 0.1]), error=np.array([1.0, 5.0]), spread=4.0, mirror=6.0),
            dict(view='front', pi=np.array([0.6, 0.4]), error=np.array([3.0, 2.0]), spread=2.0, mirror=np.nan),
            dict(view='back', pi=np.array([0.2, 0.8]), error=np.array([4.0, 1.0]), spread=3.0, mirror=2.0)]
    s = summarise_components(rows)
    assert s['people'] == 3 and s['median_largest_pi'] == pytest.approx(0.8)
    assert s['mean_pi_front'] == [0.75, 0.25] and s['mean_pi_back'] == [0.2, 0.8]
    assert s['component_spread_px'] == pytest.approx(3) and s['mirror_distance_px'] == pytest.approx(4)
    assert s['chosen_error_px'] == pytest.approx((1 + 3 + 1) / 3)  # largest π: c0, c0, c1
    assert s['oracle_error_px'] == pytest.approx((1 + 2 + 1) / 3) and s['oracle_differs'] == pytest.approx(1 / 3)
    assert s['chosen_agreement'] == 1 and s['oracle_agreement'] == pytest.approx(2 / 3)
    assert front_pi(s) == (0.75, 0.2), 'c0: π most above for front than for back people'
    with pytest.raises(ValueError, match='no front or back person'):
        summarise_components([])
