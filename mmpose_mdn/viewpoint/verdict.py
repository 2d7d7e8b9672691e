"""The verdict on the paper's claim in the viewpoint benchmark: an MDN with two components is at least as accurate
as the L1 regressor, and π picks the viewpoint of the people whose cue shows it."""
from typing import Dict, Optional

import numpy as np

TARGET_RATIO, TARGET_AGREEMENT = 1.0, 0.80  # AP(MDN2) >= 1.0 AP(L1), agreement >= 0.80


def visible_agreement(metrics: dict) -> float:
    """π's viewpoint agreement over the front/back people whose cue is visible (``ViewpointComponentMetric``'s
    metrics): ``agreement_visible`` where some cues are hidden, ``agreement`` where every cue is visible (NaN
    without components)."""
    return metrics.get('viewpoint/agreement_visible', metrics.get('viewpoint/agreement', float('nan')))


def claim(results: Dict[int, Dict[str, dict]]) -> Optional[dict]:
    """The claim judged on ``results`` (seed -> model name -> ``dict(metrics=...)``) from the means over seeds:
    ``ap_mdn`` (MDN2's AP), ``ap_l1``, ``agreement`` (MDN2's :func:`visible_agreement`), ``seeds`` and
    ``reproduced``: ap_mdn >= TARGET_RATIO ap_l1 and agreement >= TARGET_AGREEMENT. None without L1 and MDN2 on
    every seed."""
    if not all({'L1', 'MDN2'} <= set(models) for models in results.values()):
        return None
    ap_l1, ap_mdn = (np.mean([r[name]['metrics'].get('coco/AP', np.nan) for r in results.values()])
                     for name in ('L1', 'MDN2'))
    agreement = np.mean([visible_agreement(r['MDN2']['metrics']) for r in results.values()])
    return dict(seeds=len(results), ap_mdn=ap_mdn, ap_l1=ap_l1, agreement=agreement,
                reproduced=bool(ap_mdn >= TARGET_RATIO * ap_l1 and agreement >= TARGET_AGREEMENT))
