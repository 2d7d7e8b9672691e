"""`benchmarks/speed.py --quick` (the tiny hourglass at 128, few repeats) writes every row of its tables; the
targets are read from the full run in benchmarks/speed.md, never asserted on timings here."""
import re

from conftest import call_tool, data_dir

from mmpose_mdn.experiments.speed import read_tables as tables  # section title -> rows (cells) of its tables


def test_quick_run_writes_every_row(tmp_path):
    data_dir('coco_mini')
    out = tmp_path / 'speed.md'
    call_tool('benchmarks/speed.py', '--quick', '--out', out)
    text = out.read_text()
    assert '`python benchmarks/speed.py --quick --out' in text and 'torch.set_num_threads(1)' in text
    assert 'CPU only, the GPU figures (LargeHG at 512, fp32 vs AMP) are not measured' in text
    t = tables(text)
    train, inference, decode, components, targets = (t[k] for k in t)
    assert [(r[0], r[2]) for r in train] == [('tiny 128', n) for n in ('L1', 'MDN1', 'MDN2', 'MDN3', 'MDN5')]
    assert train[0][4] == '1.000'  # L1 against itself, round by round
    memory = {r[2]: int(r[5]) for r in train}
    assert memory['L1'] < memory['MDN3'] < memory['MDN5']  # more output channels, more memory
    assert [r[:2] for r in inference] == [['tiny 128', 'on'], ['tiny 128', 'off']]
    assert all(re.fullmatch(r'[\d.]+ \([\d.]+-[\d.]+\)', c) for r in inference for c in r[2:4])
    assert [tuple(r[1:4]) for r in decode] == [(head, maps, refine) for head in ('MDN3', 'L1')
                                               for maps in ('annotated', 'untrained') for refine in ('on', 'off')]
    # the untrained head's heatmaps (about 0.1 everywhere) give nearly the top-100; the annotated people a few
    assert all(int(r[4]) <= 10 for r in decode if r[2] == 'annotated')
    assert all(int(r[4]) >= 90 for r in decode if r[2] == 'untrained')
    assert [r[1] for r in components] == ['100 centres', '1024 pixels']  # 128 / stride 4 = 32x32 pixels
    assert [int(r[1]) for r in targets] == [1, 8, 32, 64] and all(r[3:5] == ['2', '1'] for r in targets)
