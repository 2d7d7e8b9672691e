"""Seeds made one: mean ± sample std with missing values, and component shares with each seed's components put in
the order front's, back's, the rest."""
import numpy as np
import pytest

from mmpose_mdn.viewpoint.aggregate import component_shares, mean_std, metric_counts


def test_mean_std():
    assert mean_std([0.1, 0.3]) == f'0.200 ± {np.sqrt(0.02):.3f}'  # sample std: sqrt(((-0.1)² + 0.1²) / 1)
    assert mean_std([0.25]) == '0.250'
    assert mean_std([0.1, float('nan')]) == '–' and mean_std([0.1, None]) == '–' and mean_std([]) == '–'
    assert mean_std([0.1, None, float('nan'), 0.3], skip_missing=True) == mean_std([0.1, 0.3])
    assert mean_std([None], skip_missing=True) == '–'


def metrics(counts):
    return {f'viewpoint/{v}_c{m}': counts[i][m] for i, v in enumerate(('front', 'back', 'side'))
            for m in range(len(counts[0]))}


def test_component_shares_in_a_common_order():
    a = [[8, 2, 0], [1, 0, 9], [2, 2, 0]]  # front -> c0, back -> c2
    b = [[0, 0, 6], [4, 0, 0], [0, 3, 1]]  # front -> c2, back -> c0: the same split, other names
    np.testing.assert_array_equal(metric_counts(metrics(a), 3), a)
    shares, people = component_shares([metrics(a), metrics(b)], 3)
    # columns (front's, back's, the rest), rows divided by their people, then the mean over the two seeds
    expected_a = np.array([[8, 0, 2], [1, 9, 0], [2, 0, 2]]) / [[10], [10], [4]]
    expected_b = np.array([[6, 0, 0], [0, 4, 0], [1, 0, 3]]) / [[6], [4], [4]]
    np.testing.assert_allclose(shares, (expected_a + expected_b) / 2)
    np.testing.assert_allclose(people, [8, 7, 4])
    shares, people = component_shares([metrics([[0, 0], [0, 0], [0, 0]])], 2)
    assert not shares.any() and not people.any(), 'no matched person: shares of 0, not NaN'
