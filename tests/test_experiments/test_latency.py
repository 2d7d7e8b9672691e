"""The latency report's targets read the right columns: ORT / PyTorch at batch 1 only, MDN3 / flip L1 in every row
on both runtimes."""
from mmpose_mdn.experiments.latency import HEADER, markdown


def test_targets_read_their_columns():
    rows = [['tiny', 1, 'a', 'b', 'c', 'd', '0.70', '0.60', '0.50', '0.52'],
            ['tiny', 8, 'a', 'b', 'c', 'd', '0.95', '0.90', '0.54', '0.56'],  # batch 8: not a target for ORT / PyTorch
            ['SmallHG', 1, 'a', 'b', 'c', 'd', '0.79', '0.81', '0.51', '0.53']]
    text = markdown(rows, 'cmd', 'now', (0.0, 0.0), 60.0)
    assert len(HEADER) == len(rows[0])
    assert 'batch 1, same model, <= 0.80: measured 0.60-0.81 (not met for every family)' in text
    assert 'on both runtimes, <= 0.55: measured 0.50-0.56 (not met in every row)' in text
    rows[2][7], rows[1][9] = '0.80', '0.55'
    text = markdown(rows, 'cmd', 'now', (0.0, 0.0), 60.0)
    assert 'measured 0.60-0.80 (met for every family)' in text and 'measured 0.50-0.55 (met in every row)' in text
