"""The latency report's targets read the right columns: ORT / PyTorch (float32, int8) at batch 1 only, MDN3 / flip
L1 in every row on every runtime."""
from mmpose_mdn.experiments.latency import HEADER, markdown

TIMES = ['t'] * 6  # PyTorch, ORT, ORT int8 x (MDN3, flip L1)


def test_targets_read_their_columns():
    #        ORT / PT: MDN3, flip; int8 / PT: MDN3, flip; MDN3 / flip: PT, ORT, int8
    rows = [['tiny', 1, *TIMES, '0.70', '0.60', '0.40', '0.45', '0.50', '0.52', '0.53'],
            ['tiny', 8, *TIMES, '0.95', '0.90', '0.99', '0.99', '0.54', '0.56', '0.50'],  # batch 8: not an ORT target
            ['SmallHG', 1, *TIMES, '0.79', '0.81', '0.30', '0.35', '0.51', '0.53', '0.49']]
    text = markdown(rows, 'cmd', 'now', (0.0, 0.0), 60.0)
    assert len(HEADER) == len(rows[0])
    assert 'batch 1, same model, <= 0.80: float32 0.60-0.81 (not met for every family); int8 0.30-0.45 (met' in text
    assert 'on every runtime, <= 0.55: measured 0.49-0.56 (not met in every row)' in text
    rows[2][9], rows[1][13] = '0.80', '0.55'
    text = markdown(rows, 'cmd', 'now', (0.0, 0.0), 60.0)
    assert 'float32 0.60-0.80 (met for every family)' in text and 'measured 0.49-0.55 (met in every row)' in text


def test_networks_alone_bound_the_targets():
    """The table of the networks and reading is shown, and the bound names the families whose network + read ratios
    miss each target."""
    from mmpose_mdn.experiments.latency import NETWORK_HEADER
    rows = [['tiny', 1, *TIMES, '0.70', '0.60', '0.40', '0.45', '0.50', '0.52', '0.53']]
    #           read, PyTorch, ORT x (MDN3, flip L1)   ORT / PT: MDN3, flip   MDN3 / flip: PT, ORT
    networks = [['tiny', 'r', 't', 't', 't', 't', '0.70', '0.75', '0.58', '0.57'],
                ['SmallHG', 'r', 't', 't', 't', 't', '0.82', '0.79', '0.50', '0.51']]
    text = markdown(rows, 'cmd', 'now', (0.0, 0.0), 60.0, networks=networks)
    assert len(NETWORK_HEADER) == len(networks[0])
    assert '## The networks alone and reading the file, batch 1' in text
    assert '| SmallHG | r | t | t | t | t | 0.82 |' in text
    assert ('onnxruntime / PyTorch 0.70-0.82 (above 0.80 for SmallHG in MDN3, <= 0.80 for every family in flip L1); '
            'one-pass MDN3 / flip-test L1 0.50-0.58 (above 0.55 for tiny in PyTorch, above 0.55 for tiny in '
            'onnxruntime)') in text
    assert 'network + read' not in markdown(rows, 'cmd', 'now', (0.0, 0.0), 60.0)


def test_a_loaded_machine_is_said():
    """More runnable threads than cores (the load average) is flagged in the report; an idle machine is not."""
    import os
    rows = [['tiny', 1, *TIMES, '0.70', '0.60', '0.40', '0.45', '0.50', '0.52', '0.53']]
    flag = 'more runnable threads than cores'
    assert flag in markdown(rows, 'cmd', 'now', (os.cpu_count() + 2.4, 1.0), 60.0)
    assert flag not in markdown(rows, 'cmd', 'now', (0.5, os.cpu_count() - 0.5), 60.0)
