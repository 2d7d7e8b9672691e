"""Sections of a Markdown file that a command writes: the lines between ``<!-- begin: NAME -->`` and
``<!-- end: NAME -->`` (the README's claims tables, from ``benchmarks/plateau.py --readme``), so that a committed
document shows what the committed records give and nothing copied by hand."""
from typing import Dict, List, Sequence


def markers(name: str) -> tuple:
    """The begin and end lines of section ``name``."""
    return f'<!-- begin: {name} -->', f'<!-- end: {name} -->'


def _bounds(text: str, name: str, path: str) -> tuple:
    begin, end = markers(name)
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise ValueError(f'{path}: no section {name!r} to write (one line "{begin}", then one line "{end}")')
    return text.index(begin) + len(begin), text.index(end)


def section(path: str, name: str) -> List[str]:
    """The lines of section ``name`` of the file ``path``, without the blank lines around them."""
    text = open(path).read()
    start, stop = _bounds(text, name, path)
    return text[start:stop].strip('\n').split('\n')


def splice(path: str, sections: Dict[str, Sequence[str]]) -> None:
    """Write each section ``name`` of the file ``path`` as ``sections[name]`` (Markdown lines, a blank line either
    side so that a table stays a table), the markers and the rest of the file unchanged; every section's markers are
    checked before anything is written."""
    text = open(path).read()
    for name in sections:
        _bounds(text, name, path)
    for name, lines in sections.items():
        start, stop = _bounds(text, name, path)
        text = text[:start] + '\n\n' + '\n'.join(lines).strip('\n') + '\n\n' + text[stop:]
    with open(path, 'w') as f:
        f.write(text)
