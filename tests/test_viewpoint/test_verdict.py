"""The verdict rules: means over seeds of MDN2's and L1's AP and of MDN2's agreement on the people whose cue is
visible, against the targets."""
import math

import pytest

from mmpose_mdn.viewpoint import claim, visible_agreement


def run(ap, **agreement):
    return dict(metrics={'coco/AP': ap, **{f'viewpoint/{k}': v for k, v in agreement.items()}})


def test_visible_agreement_prefers_the_visible_cue():
    assert visible_agreement(run(0.1, agreement=0.6, agreement_visible=0.9)['metrics']) == 0.9
    assert visible_agreement(run(0.1, agreement=0.6)['metrics']) == 0.6  # every cue visible
    assert math.isnan(visible_agreement(run(0.1)['metrics']))  # L1: no components


@pytest.mark.parametrize('ap_mdn, agreement, reproduced', [
    ((0.10, 0.07), (0.9, 0.75), True),  # mean AP 0.085 >= L1's 0.08, mean agreement 0.825 >= 0.80
    ((0.10, 0.05), (0.9, 0.75), False),  # mean AP 0.075 < 0.08
    ((0.10, 0.06), (0.9, 0.69), False),  # mean agreement 0.795 < 0.80
])
def test_claim_from_the_means_over_seeds(ap_mdn, agreement, reproduced):
    results = {s: dict(L1=run(ap_l1), MDN2=run(ap, agreement=0.1, agreement_visible=a), MDN3=run(0.0))
               for s, ap_l1, ap, a in zip((0, 1), (0.07, 0.09), ap_mdn, agreement)}
    c = claim(results)
    assert c['reproduced'] is reproduced and c['seeds'] == 2
    assert (c['ap_l1'], c['ap_mdn'], c['agreement']) == pytest.approx((0.08, sum(ap_mdn) / 2, sum(agreement) / 2))


def test_no_claim_without_l1_and_mdn2_on_every_seed():
    assert claim({0: dict(L1=run(0.1), MDN2=run(0.1, agreement=1.0)), 1: dict(L1=run(0.1))}) is None
