"""The repository the experiments read: ``ROOT`` (its configs, tools, benchmarks and demo), ``DATA`` (the shared
real data beside it, or ``$MDN_DATA``), and its scripts imported as modules."""
import importlib.util
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get('MDN_DATA', ROOT.parent / 'shared' / 'data'))


def load_script(path: str):
    """A script of the repository (``tools/``, ``benchmarks/``, ``demo/``; not a package) imported as a module, by
    its path below :data:`ROOT`."""
    spec = importlib.util.spec_from_file_location(f'mdn_script_{Path(path).stem}', ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
