"""Sections of a Markdown file written by a command (mmpose_mdn/experiments/generated_sections.py): only the named
sections change, and a missing or doubled marker is an error naming the file and the section, with nothing written."""
import pytest

from mmpose_mdn.experiments import generated_sections as gs

DOC = '''# Title

<!-- begin: table -->
| old |
<!-- end: table -->

Text that stays.
<!-- begin: other -->

old
<!-- end: other -->
The end.
'''


def test_splice_writes_the_named_sections_only(tmp_path):
    path = tmp_path / 'README.md'
    path.write_text(DOC)
    gs.splice(str(path), {'table': ['| a |', '| --- |', '| 1 |', '']})
    text = path.read_text()
    assert text == DOC.replace('<!-- begin: table -->\n| old |\n', '<!-- begin: table -->\n\n| a |\n| --- |\n| 1 |\n\n')
    assert gs.section(str(path), 'table') == ['| a |', '| --- |', '| 1 |']
    gs.splice(str(path), {'table': ['| a |', '| --- |', '| 1 |'], 'other': ['new']})  # again: the same table
    assert path.read_text() == text.replace('\nold\n', '\nnew\n\n')
    assert gs.section(str(path), 'other') == ['new']


@pytest.mark.parametrize('doc', [DOC.replace('<!-- end: table -->\n', ''), DOC + '<!-- begin: table -->\n',
                                 DOC.replace('<!-- begin: table -->\n| old |\n<!-- end: table -->',
                                             '<!-- end: table -->\n| old |\n<!-- begin: table -->')])
def test_a_section_without_its_two_markers_in_order_is_an_error(tmp_path, doc):
    path = tmp_path / 'README.md'
    path.write_text(doc)
    with pytest.raises(ValueError, match=r"README.md: no section 'table' to write"):
        gs.splice(str(path), {'other': ['new'], 'table': ['x']})
    assert path.read_text() == doc  # checked before anything is written
    with pytest.raises(ValueError, match=r"README.md: no section 'table'"):
        gs.section(str(path), 'table')
