"""The test metrics written to a json file (``tools/test.py --out``)."""
import mmengine
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class SaveMetricsHook(Hook):
    """Writes the metrics of the test epoch (every evaluator's, flat ``prefix/name`` keys) to ``path``."""

    def __init__(self, path: str):
        self.path = path

    def after_test_epoch(self, runner, metrics=None) -> None:
        if metrics is not None:
            mmengine.dump(metrics, self.path)
