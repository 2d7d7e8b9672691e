"""The linear probe against a logistic regression solved here by Newton's method, and on a separable set (its
features at a real model's centres: tests/test_viewpoint/test_centres.py)."""
import numpy as np
import pytest

from mmpose_mdn.viewpoint.probe import probe_accuracy


def newton_logistic(x, y, l2):
    """argmin over (w, b) of mean BCE(sigmoid(w·x + b), y) + l2 |w|², by Newton's method (convex: exact)."""
    X = np.hstack([x, np.ones((len(x), 1))])
    theta = np.zeros(X.shape[1])
    reg = 2 * l2 * np.r_[np.ones(x.shape[1]), 0]
    for _ in range(50):
        p = 1 / (1 + np.exp(-X @ theta))
        grad = X.T @ (p - y) / len(y) + reg * theta
        hess = (X.T * (p * (1 - p))) @ X / len(y) + np.diag(reg)
        theta -= np.linalg.solve(hess, grad)
    return theta[:-1], theta[-1]


@pytest.mark.parametrize('seed', range(3))
def test_accuracies_of_the_regularised_optimum(seed):
    rng = np.random.default_rng(seed)
    y_train, y_val = rng.integers(0, 2, 120).astype(float), rng.integers(0, 2, 60).astype(float)
    shift = np.array([1.0, -0.5, 0.0, 0.3])  # overlapping classes: the accuracy depends on where the boundary is
    x_train = rng.normal(size=(120, 4)) * [1, 2, 1, 5] + 3 + y_train[:, None] * shift
    x_val = rng.normal(size=(60, 4)) * [1, 2, 1, 5] + 3 + y_val[:, None] * shift
    mu, sd = x_train.mean(0), x_train.std(0, ddof=1) + 1e-6
    w, b = newton_logistic((x_train - mu) / sd, y_train, 1e-3)
    expected = [np.mean((((x - mu) / sd @ w + b) > 0) == y) for x, y in ((x_train, y_train), (x_val, y_val))]
    assert 0.55 < expected[0] < 1
    assert probe_accuracy(x_train, y_train, x_val, y_val) == pytest.approx(expected)


def test_separable_viewpoints_are_read_exactly():
    rng = np.random.default_rng(0)
    y = np.repeat([0.0, 1.0], 20)
    x = rng.normal(size=(40, 3))
    x[:, 1] += 10 * y  # one feature carries the viewpoint, far apart
    assert probe_accuracy(x[::2], y[::2], x[1::2], y[1::2]) == (1.0, 1.0)
