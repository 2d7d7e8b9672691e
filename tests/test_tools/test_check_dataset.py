"""tools/misc/check_dataset.py: every bad file of a dataset in one list, before a long run."""
import json

from PIL import Image

from conftest import MINI_MDN, call_tool, coco_mini_copy


def test_lists_every_problem_and_exits_non_zero(tmp_path):
    root = coco_mini_copy(tmp_path / 'data', train=6, val=5)
    ann_file = root / 'annotations' / 'person_keypoints_train2017.json'
    coco = json.loads(ann_file.read_text())
    imgs, anns = coco['images'], coco['annotations']
    (root / 'train2017' / imgs[0]['file_name']).write_bytes(b'not an image')  # corrupt
    data = (root / 'train2017' / imgs[1]['file_name']).read_bytes()
    (root / 'train2017' / imgs[1]['file_name']).write_bytes(data[:len(data) // 2])  # truncated JPEG
    (root / 'train2017' / imgs[2]['file_name']).unlink()  # missing
    Image.open(root / 'train2017' / imgs[3]['file_name']).transpose(Image.Transpose.ROTATE_90).save(
        root / 'train2017' / imgs[3]['file_name'])  # rotated: w and h swapped against the JSON
    anns[1]['id'] = anns[0]['id']  # duplicate annotation id
    anns[2]['num_keypoints'] += 1
    ann_file.write_text(json.dumps(coco))

    proc = call_tool('tools/misc/check_dataset.py', MINI_MDN, '--cfg-options', f'data_root={root}', check=False)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    expected = [f'{root}/train2017/{imgs[0]["file_name"]}: image file exists (12 bytes) but cannot be decoded',
                f'{root}/train2017/{imgs[1]["file_name"]}: image file exists ({len(data) // 2} bytes) but cannot be '
                'decoded: image file is truncated',
                f'{root}/train2017/{imgs[2]["file_name"]}: image file does not exist',
                f'{root}/train2017/{imgs[3]["file_name"]}: image is {imgs[3]["height"]}×{imgs[3]["width"]} but the '
                f'annotation file says width {imgs[3]["width"]}, height {imgs[3]["height"]}',
                f'{ann_file}: annotation id {anns[0]["id"]}: field "id" is shared by 2 annotations',
                f'{ann_file}: annotation id {anns[2]["id"]} (image ']
    for text in expected:
        assert sum(line.startswith(text) for line in lines) == 1, (text, proc.stdout)
    assert '"num_keypoints"' in next(line for line in lines if line.startswith(expected[-1]))
    assert lines[-1].startswith('6 problem(s) in 2 annotation file(s)')  # val is clean


def test_clean_dataset_exits_zero(tmp_path):
    root = coco_mini_copy(tmp_path / 'data', train=3, val=3)
    proc = call_tool('tools/misc/check_dataset.py', MINI_MDN, '--splits', 'train', 'val', '--cfg-options',
                    f'data_root={root}')
    assert proc.stdout.splitlines()[-1].startswith('0 problem(s) in 2 annotation file(s)')
