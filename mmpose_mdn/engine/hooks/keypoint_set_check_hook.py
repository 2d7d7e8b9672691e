"""A run whose datasets have another keypoint set than its model fails before its first iteration, naming both."""
import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


def keypoint_set_problem(head, dataset) -> str:
    """Why ``head`` (its ``num_keypoints`` and, where its offset loss has them, keypoint sigmas) cannot learn from
    or be scored on ``dataset`` (its metainfo's ``num_keypoints`` and ``sigmas``); '' when it can."""
    meta = dataset.metainfo
    where = f'{type(dataset).__name__} of {getattr(dataset, "ann_file", "?")}'
    if meta.get('num_keypoints') != head.num_keypoints:
        return (f'the model\'s head has num_keypoints={head.num_keypoints}, the dataset ({where}) '
                f'{meta.get("num_keypoints")} keypoints from its metainfo (dataset_name {meta.get("dataset_name")!r}): '
                'set model.head.num_keypoints and model.head.offset_loss.metainfo to the dataset\'s metainfo file, or '
                'the dataset\'s metainfo to the model\'s')
    loss = getattr(head, 'offset_loss', None)
    sigmas = getattr(loss, 'keypoint_sigmas', None)
    if sigmas is not None and 'sigmas' in meta and not np.allclose(sigmas.cpu().numpy(), meta['sigmas'], atol=1e-6):
        return (f'the model\'s offset loss has the keypoint sigmas of {loss.metainfo}, the dataset ({where}, '
                f'dataset_name {meta.get("dataset_name")!r}) others ({np.round(meta["sigmas"], 3).tolist()}): the '
                'same number of keypoints in another order or of another set; set model.head.offset_loss.metainfo '
                'to the dataset\'s metainfo file')
    return ''


@HOOKS.register_module()
class KeypointSetCheckHook(Hook):
    """Before training, validation and testing: the loop's dataset must have the keypoint set of the model's head
    (:func:`keypoint_set_problem`), else a ``ValueError`` naming both (otherwise a shape error in the first loss,
    or a model scored with another dataset's sigmas). Heads without ``num_keypoints`` are not checked."""
    priority = 'VERY_HIGH'

    def _check(self, runner, loop) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        head = getattr(model, 'head', None)
        if head is None or not hasattr(head, 'num_keypoints'):
            return
        problem = keypoint_set_problem(head, loop.dataloader.dataset)
        if problem:
            raise ValueError(f'{runner.cfg.filename or "the config"}: {problem}')

    def before_train(self, runner) -> None:
        self._check(runner, runner.train_loop)

    def before_val(self, runner) -> None:
        self._check(runner, runner.val_loop)

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_loop)
