"""A finished run's dataloader workers stopped at once, not when the garbage collector gets to them."""
from mmengine.hooks import Hook
from mmpose.registry import HOOKS
from torch.utils.data import DataLoader


def stop_workers(dataloader) -> None:
    """Stop the worker processes of ``dataloader``'s live iterator (a no-op without one).

    torch has no public call for it: the iterator (``DataLoader._iterator`` with ``persistent_workers``) is dropped and
    its ``_shutdown_workers`` called, as its ``__del__`` would."""
    iterator = getattr(dataloader, '_iterator', None) if isinstance(dataloader, DataLoader) else None
    if iterator is not None and hasattr(iterator, '_shutdown_workers'):
        iterator._shutdown_workers()
        dataloader._iterator = None


@HOOKS.register_module()
class StopDataloaderWorkersHook(Hook):
    """Stops the train and val dataloaders' workers after training and the test dataloader's after testing.

    With ``persistent_workers`` the workers live until the iterator is garbage-collected, and stopping them there
    took seconds per dataloader: a process that runs one Runner after another (a tool called from Python, the
    experiments of :mod:`mmpose_mdn.experiments`, a test suite, a notebook) waited that long for each (the cold-start
    check: 49 s, 15 s with this hook). The workers serve the whole run either way, so nothing it computes changes.
    """
    priority = 'LOWEST'

    def after_train(self, runner) -> None:
        stop_workers(runner.train_loop.dataloader)
        if runner.val_loop is not None:
            stop_workers(runner.val_loop.dataloader)

    def after_test(self, runner) -> None:
        stop_workers(runner.test_loop.dataloader)
