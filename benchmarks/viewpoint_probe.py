"""Does a trained model know a person's viewpoint at the centre pixel, where the offsets (and π) are read?

A linear probe: logistic regression (L2, LBFGS, standardised features) of front vs back from the features at each
annotated front/back person's ground-truth centre pixel (``CenterNetPose.encode``), fitted on the train split and
scored on the val split, for the backbone's last feature map and for the offset branch's hidden layer (what the
mixing logits read)::

    python benchmarks/viewpoint_probe.py CONFIG CHECKPOINT DATA_ROOT [--out probe.json]
"""
import argparse
import json

import numpy as np
import torch
from mmpose.apis import init_model

from mmpose_mdn.viewpoint import front_back_people


def centre_features(model, data_root: str, split: str):
    """(P, C) backbone and (P, C') offset-branch features at the centre pixels, and (P,) 1 for back views."""
    head = model.head
    backbone, branch, back = [], [], []
    for inputs, people in front_back_people(model, data_root, split):
        with torch.no_grad():
            feat = model.extract_feat(inputs)[-1]
            layers = head.stacks[-1]['keypoint_offset']
            hidden = layers[1](layers[0](feat))  # the 3x3 conv + ReLU before the output 1x1 conv
        for a, target in people:
            i = int(target['centre_indices'][0])
            backbone.append(feat[0].flatten(1)[:, i].numpy())
            branch.append(hidden[0].flatten(1)[:, i].numpy())
            back.append(a['viewpoint'] == 'back')
    return np.array(backbone), np.array(branch), np.array(back, dtype=np.float64)


def probe_accuracy(x_train, y_train, x_val, y_val, l2: float = 1e-3) -> tuple:
    """Train and val accuracy of an L2-regularised logistic regression (features standardised on train)."""
    x, y = torch.as_tensor(x_train, dtype=torch.float64), torch.as_tensor(y_train)
    mu, sd = x.mean(0), x.std(0) + 1e-6
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=500)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits((x - mu) / sd @ w + b, y) + l2 * w.square().sum()
        loss.backward()
        return loss

    opt.step(closure)
    acc = lambda f, t: float(((((torch.as_tensor(f) - mu) / sd @ w + b) > 0).double() == torch.as_tensor(t))  # noqa
                              .double().mean())
    return acc(x_train, y_train), acc(x_val, y_val)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('data_root', help='a viewpoint-scene root with train/ and val/ splits')
    parser.add_argument('--out', help='also write the accuracies as json here')
    args = parser.parse_args()
    torch.manual_seed(0)
    model = init_model(args.config, args.checkpoint, device='cpu')  # another model's checkpoint fails
    train, val = centre_features(model, args.data_root, 'train'), centre_features(model, args.data_root, 'val')
    summary = {}
    for i, name in enumerate(('backbone', 'offset_branch')):
        summary[f'{name}_train_acc'], summary[f'{name}_val_acc'] = probe_accuracy(train[i], train[2], val[i], val[2])
    summary['people'] = dict(train=len(train[2]), val=len(val[2]))
    print(json.dumps(summary, indent=1))
    if args.out:
        json.dump(summary, open(args.out, 'w'), indent=1)


if __name__ == '__main__':
    main()
