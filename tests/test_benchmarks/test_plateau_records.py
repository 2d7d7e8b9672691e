"""The committed plateau reports and the README's claims tables are what the committed records give: `make
plateau-report`'s command (read from the Makefile) on other work dirs, with no checkpoint and nothing trained or
scored, writes the same reports and the same README."""
import re
import shutil

from conftest import ROOT, load_script
from mmpose_mdn.experiments import generated_sections

plateau = load_script('benchmarks/plateau.py')


def makefile_plateau_args() -> list:
    """The arguments of the Makefile's ``PLATEAU`` (the script's path dropped)."""
    text = (ROOT / 'Makefile').read_text()
    value = re.search(r'^PLATEAU := (.*?)\n(?!\t)', text, re.S | re.M).group(1)
    return value.replace('\\\n', ' ').split()[1:]


def test_the_committed_reports_and_readme_tables_are_the_records(tmp_path):
    args = makefile_plateau_args()
    out = {flag: args[args.index(flag) + 1] for flag in ('--report', '--step-report', '--readme')}
    assert out == {'--report': 'benchmarks/results/plateau.md', '--step-report': 'benchmarks/results/plateau_lr_step.md',
                   '--readme': 'README.md'}
    shutil.copy(ROOT / 'README.md', tmp_path / 'README.md')
    for flag, name in (('--report', 'plateau.md'), ('--step-report', 'step.md'), ('--readme', 'README.md')):
        args[args.index(flag) + 1] = str(tmp_path / name)
    plateau.main(args + ['--report-only', '--work-dir', str(tmp_path / 'plateau'), '--step-dir',
                         str(tmp_path / 'plateau_lr_step'), '--plots-dir', str(tmp_path / 'plots'),
                         '--records', str(ROOT / 'benchmarks' / 'results' / 'runs')])
    assert not list(tmp_path.rglob('*.pth')) and not (tmp_path / 'plateau' / 'data').exists()
    for name, committed in (('plateau.md', 'plateau.md'), ('step.md', 'plateau_lr_step.md')):
        ours = (tmp_path / name).read_text().split('\n')
        assert ours[3:] == (ROOT / 'benchmarks' / 'results' / committed).read_text().split('\n')[3:], committed
    for section in ('plateau-claims', 'lr-step-ap', 'lr-step-claims'):
        assert (generated_sections.section(str(tmp_path / 'README.md'), section)
                == generated_sections.section(str(ROOT / 'README.md'), section)), section
    # visible L1, seed 101: at the 24000-iteration cap, still rising by the rule, then stepped
    ap = {tuple(line.split(' | ')[:2]): line.split(' | ')[2:] for line in
          generated_sections.section(str(ROOT / 'README.md'), 'lr-step-ap')}
    assert ap['| visible', 'L1'][0].startswith('0.550 (the 24000 cap, not flat) / ')
    assert ap['| visible', 'L1'][1].startswith('0.603 / ')
