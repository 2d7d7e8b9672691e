"""COCO keypoints whose annotation file and images are checked before they reach a target or a metric."""
import os.path as osp
from typing import Any, List, Tuple

from mmengine.fileio import exists
from mmpose.datasets import CocoDataset
from mmpose.registry import DATASETS

from .coco_checks import annotation_problems, file_problems, has_image_size, image_problems

SHOWN_PROBLEMS = 20  # problems listed in an error; tools/misc/check_dataset.py lists them all


@DATASETS.register_module()
class ValidatedCocoDataset(CocoDataset):
    """mmpose's ``CocoDataset`` that refuses data which would otherwise train or evaluate on wrong labels.

    - When built: the annotation file and the image folder must exist (an overridden ``data_root`` that points
      nowhere fails before training starts), and the file must pass :mod:`.coco_checks` (duplicate ids, annotations
      of unknown images, images without a size, annotations of another category, negative areas, non-numeric or
      NaN boxes and keypoints, ``num_keypoints`` that disagrees with the keypoints, no person at all). Every
      problem is collected; the ``ValueError`` lists them with the file, annotation id and field.
    - When an image is loaded: a file that is missing or cannot be decoded is named as such, and an image whose
      decoded size differs from the file's ``width`` × ``height`` fails (its keypoints belong to another image).

    Keypoints outside the image are valid: the codec masks the ones that fall outside the output map after
    augmentation.
    """

    def _load_annotations(self) -> Tuple[List[dict], List[dict]]:
        if not exists(self.ann_file):
            raise FileNotFoundError(f'annotation file {self.ann_file} does not exist (data_root={self.data_root!r}; '
                                    'override it with --cfg-options data_root=DIR)')
        img_dir = self.data_prefix.get('img', '')
        if img_dir and not osp.isdir(img_dir):
            raise FileNotFoundError(f'image folder {img_dir} of {self.ann_file} does not exist '
                                    f'(data_root={self.data_root!r}, data_prefix.img)')
        self._problems: List[str] = []
        instances, images = super()._load_annotations()
        problems = file_problems(self.coco.dataset, self.ann_file) + self._problems
        if problems:
            shown = '\n  '.join(problems[:SHOWN_PROBLEMS])
            more = f'\n  ... and {len(problems) - SHOWN_PROBLEMS} more' if len(problems) > SHOWN_PROBLEMS else ''
            raise ValueError(f'{len(problems)} problem(s) in annotation file {self.ann_file} (python '
                             f'tools/misc/check_dataset.py CONFIG lists them all, with the images):\n  {shown}{more}')
        self._image_sizes = {img['img_id']: (img['width'], img['height']) for img in images}
        return instances, images

    def parse_data_info(self, raw_data_info: dict):
        ann, img = raw_data_info['raw_ann_info'], raw_data_info['raw_img_info']
        if not has_image_size(img):  # mmpose would fail with a bare KeyError; file_problems names it
            return None
        problems = annotation_problems(ann, img, self.metainfo['num_keypoints'], self.ann_file,
                                       self.metainfo.get('dataset_name'))
        if problems:
            self._problems += problems
            return None
        return super().parse_data_info(raw_data_info)

    def load_data_list(self) -> List[dict]:
        """mmpose's data list, each entry with the ``(width, height)`` its annotation file gives the image."""
        data_list = super().load_data_list()
        for info in data_list:
            info['annotated_size'] = self._image_sizes[info['img_id']]
        del self._image_sizes
        return data_list

    def prepare_data(self, idx: int) -> Any:
        """mmpose's ``prepare_data``, with load failures explained and the decoded size checked."""
        info = self.get_data_info(idx)
        path, img_id, (w, h) = info['img_path'], info['img_id'], info['annotated_size']
        info['dataset'] = self  # as mmpose does, for mixing transforms
        try:
            data = self.pipeline(info)
        except Exception as err:
            problems = image_problems(path)
            if problems:
                raise OSError(f'{problems[0]} (image id {img_id} of {self.ann_file}; python '
                              'tools/misc/check_dataset.py CONFIG lists every bad image before a long run)') from err
            raise
        shape = data['data_samples'].metainfo.get('ori_shape') if isinstance(data, dict) and 'data_samples' in data \
            else None
        if shape is not None and tuple(shape[:2]) != (h, w):
            raise ValueError(f'{path}: image is {shape[1]}×{shape[0]} but {self.ann_file} says width {w}, height {h} '
                             f'for image id {img_id} (a different file, or a rotated one, under this name)')
        return data
