"""The paper's analyses of pose predictions on COCO-format data, one implementation shared by the analysis hook,
``tools/analysis/mdn_analysis.py``, the benchmarks and the viewpoint metric.

- :mod:`.keypoint_ap`: COCOeval AP over a keypoint group and a people subset (the one scoring routine)
- :mod:`.keypoint_groups`, :mod:`.subsets`: the groups of Table 4 and the subsets of Table 2
- :mod:`.predictions`: a run's predictions as arrays, scored like CocoMetric
- :mod:`.component_ablations`: Tables 1-2's component ablations from one forward pass
- :mod:`.component_statistics`: Table 3's shares and component/label agreement
- :mod:`.gt_displacement`: the displaced ground truth of Table 4
- :mod:`.keypoint_errors`: two models' pixel errors per keypoint group on the people both match
- :mod:`.learning_curves`: AP against iteration over seeds, the ratio to a reference model's curve, and whether a
  run has stopped learning (the plateau)
- :mod:`.calibration`: the maths of calibrated uncertainty (normalised errors, ellipse coverage, expected OKS,
  reliability and ECE, the sigma and pi temperatures); :mod:`.calibration_analysis`: them on a run's predictions
- :mod:`.mdn_analysis`: all of them on one annotation file; :mod:`.report`: json, Markdown, charts, scalars
"""
from .calibration import (ellipse_coverage, expected_calibration_error, expected_oks, fit_pi_temperature,
                          fit_sigma_temperature, gaussian_coverage, nearest_component, normalised_errors, person_oks,
                          reliability, temper_pi)
from .calibration_analysis import CalibrationData, best_oks, calibration_analysis
from .component_ablations import component_ablations
from .component_statistics import assignment_agreement, component_counts, component_shares
from .gt_displacement import displaced_ground_truth
from .keypoint_ap import STATS, KeypointAP, KeypointResults, load_keypoint_annotations, matched_annotations
from .keypoint_groups import KEYPOINT_GROUPS, group_keypoint_ids
from .learning_curves import curve_stats, meets_ratio, plateau_rise, plateaued, ratio_to_reference, tail_mean
from .mdn_analysis import MDNAnalysis
from .predictions import Predictions
from .report import analysis_scalars, markdown_report, write_report
from .subsets import SUBSETS, face_visible, subset_visibility

__all__ = ['KEYPOINT_GROUPS', 'STATS', 'SUBSETS', 'CalibrationData', 'KeypointAP', 'KeypointResults', 'MDNAnalysis',
           'Predictions', 'analysis_scalars', 'best_oks', 'calibration_analysis', 'ellipse_coverage',
           'expected_calibration_error', 'expected_oks', 'fit_pi_temperature', 'fit_sigma_temperature',
           'gaussian_coverage', 'nearest_component', 'normalised_errors', 'person_oks', 'reliability', 'temper_pi',
           'assignment_agreement', 'component_ablations', 'component_counts', 'component_shares', 'curve_stats',
           'displaced_ground_truth', 'face_visible', 'group_keypoint_ids',
           'load_keypoint_annotations', 'markdown_report', 'matched_annotations', 'meets_ratio', 'plateau_rise',
           'plateaued', 'ratio_to_reference', 'subset_visibility', 'tail_mean', 'write_report']
