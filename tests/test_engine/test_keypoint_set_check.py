"""A run whose dataset has another keypoint set than its model fails before its first iteration, naming both: a
COCO model on the 14-keypoint CrowdPose slice (the count), a CrowdPose model on AI Challenger's 14 keypoints (the
sigmas, another set of the same size), with tools/train.py as a user runs it."""
from conftest import MINI_MDN, call_tool, data_dir, data_options

CROWDPOSE = 'configs/mdn/hg-tiny_mdn3_crowdpose-test.py'


def test_a_coco_model_on_crowdpose_data_fails_naming_both_counts(tmp_path):
    root = f'{data_dir("crowdpose_test")}/'
    run = call_tool('tools/train.py', MINI_MDN, '--work-dir', tmp_path, '--cfg-options', *data_options(MINI_MDN),
                    f'train_dataloader.dataset.data_root={root}',
                    'train_dataloader.dataset.ann_file=test_crowdpose.json',
                    'train_dataloader.dataset.data_prefix.img=',
                    'train_dataloader.dataset.metainfo.from_file=configs/_base_/datasets/crowdpose.py', check=False)
    assert run.returncode == 1
    assert ("hg-tiny_mdn3_coco-mini.py: the model's head has num_keypoints=17, the dataset (ValidatedCocoDataset of "
            in run.stderr and "test_crowdpose.json) 14 keypoints from its metainfo (dataset_name 'crowdpose')"
            in run.stderr)
    assert not list(tmp_path.glob('*.pth'))  # not one iteration


def test_a_crowdpose_model_on_aic_data_fails_naming_the_sigmas(tmp_path):
    root = f'{data_dir("aic_test")}/'
    run = call_tool('tools/train.py', CROWDPOSE, '--work-dir', tmp_path, '--cfg-options', *data_options(CROWDPOSE),
                    f'train_dataloader.dataset.data_root={root}', 'train_dataloader.dataset.ann_file=test_aic.json',
                    'train_dataloader.dataset.metainfo.from_file=configs/_base_/datasets/aic.py', check=False)
    assert run.returncode == 1
    assert ("the model's offset loss has the keypoint sigmas of configs/_base_/datasets/crowdpose.py, the dataset "
            in run.stderr and "dataset_name 'aic') others" in run.stderr)
    assert not list(tmp_path.glob('*.pth'))
