"""An epoch-based train loop that resumes from checkpoints saved inside an epoch."""
from itertools import islice

from mmengine.runner import EpochBasedTrainLoop
from mmpose.registry import LOOPS


class _SkipFirst:
    """A sampler that yields ``sampler``'s indices after its first ``n``."""

    def __init__(self, sampler, n: int):
        self.sampler, self.n = sampler, n

    def __iter__(self):
        return islice(iter(self.sampler), self.n, None)

    def __len__(self):
        return max(len(self.sampler) - self.n, 0)


@LOOPS.register_module()
class MidEpochResumeTrainLoop(EpochBasedTrainLoop):
    """mmengine's ``EpochBasedTrainLoop`` that also resumes from an iteration checkpoint (``iter_N.pth``).

    Long COCO epochs are checkpointed every N iterations (``CheckpointHook(by_epoch=False, interval=N)``). mmengine
    would restart the checkpoint's epoch from its first batch while counting on from N, so the batches trained
    before the fault run twice and training ends past ``max_iters``. Here the resumed epoch skips the
    ``N - epoch · len(dataloader)`` batches the checkpoint has already trained. They are skipped at the sampler
    (their images are never loaded), after the sampler is re-seeded with the checkpoint's seed, so the rest of the
    epoch is exactly the order that was interrupted (for samplers seeded by the runner, like ``DefaultSampler``).
    """

    def run_epoch(self) -> None:
        done = self._iter - self._epoch * len(self.dataloader)
        if done <= 0:
            return super().run_epoch()
        batch_sampler = self.dataloader.batch_sampler
        sampler = batch_sampler.sampler
        if hasattr(sampler, 'seed'):
            sampler.seed = self.runner.seed
        self.runner.logger.info(f'Resuming inside epoch {self._epoch + 1}: skipping its first {done} batches')
        batch_sampler.sampler = _SkipFirst(sampler, done * batch_sampler.batch_size)
        try:
            self.runner.call_hook('before_train_epoch')
            self.runner.model.train()
            for idx, data_batch in enumerate(self.dataloader, start=done):
                self.run_iter(idx, data_batch)
            self.runner.call_hook('after_train_epoch')
            self._epoch += 1
        finally:
            batch_sampler.sampler = sampler
