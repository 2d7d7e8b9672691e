"""Does a trained model know a person's viewpoint at the centre pixel, where the offsets (and π) are read?

A linear probe: logistic regression of front (0) vs back (1) from the features at each annotated front/back
person's ground-truth centre pixel, fitted on the train split and scored on the val split, for the backbone's last
feature map and for the offset branch's hidden layer (what the mixing logits read).
"""
from typing import Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .centres import front_back_people


def centre_features(model, data_root: str, split: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(P, C) backbone and (P, C') offset-branch features at the centre pixels of a split's front/back people,
    and (P,) their labels, 1 for back views."""
    backbone, branch, back = [], [], []
    for inputs, people in front_back_people(model, data_root, split):
        with torch.no_grad():
            feats = model.extract_feat(inputs)
            feat, hidden = feats[-1], model.head.offset_features(feats)
        for a, target in people:
            i = int(target['centre_indices'][0])
            backbone.append(feat[0].flatten(1)[:, i].numpy())
            branch.append(hidden[0].flatten(1)[:, i].numpy())
            back.append(a['viewpoint'] == 'back')
    return np.array(backbone), np.array(branch), np.array(back, dtype=np.float64)


def probe_accuracy(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                   l2: float = 1e-3) -> Tuple[float, float]:
    """Train and val accuracy of the logistic regression p(y=1 | x) = sigmoid(w·(x - μ)/s + b) minimising
    BCE + ``l2`` |w|² by LBFGS, with μ, s (C,) the train features' mean and std (+1e-6); x (N, C), y (N,) in {0, 1}.
    """
    x, y = torch.as_tensor(x_train, dtype=torch.float64), torch.as_tensor(y_train)
    mu, sd = x.mean(0), x.std(0) + 1e-6
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=500)

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits((x - mu) / sd @ w + b, y) + l2 * w.square().sum()
        loss.backward()
        return loss

    opt.step(closure)

    def accuracy(features, labels) -> float:
        logits = (torch.as_tensor(features) - mu) / sd @ w + b
        return float(((logits > 0).double() == torch.as_tensor(labels)).double().mean())

    return accuracy(x_train, y_train), accuracy(x_val, y_val)


def viewpoint_probe(model, data_root: str) -> dict:
    """The probe's train and val accuracy from the backbone (``backbone_*_acc``) and from the offset branch
    (``offset_branch_*_acc``) of a viewpoint-scene root with train and val splits, and the people of each."""
    train, val = centre_features(model, data_root, 'train'), centre_features(model, data_root, 'val')
    summary = {}
    for i, name in enumerate(('backbone', 'offset_branch')):
        summary[f'{name}_train_acc'], summary[f'{name}_val_acc'] = probe_accuracy(train[i], train[2], val[i], val[2])
    summary['people'] = dict(train=len(train[2]), val=len(val[2]))
    return summary
