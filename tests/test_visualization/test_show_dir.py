"""tools/test.py --show-dir draws with the configs' MDNPoseLocalVisualizer: every coco_mini val image, at its size,
with the component legend."""
import cv2

from conftest import data_dir

from mmpose_mdn.visualization import COMPONENT_COLORS


def test_show_dir_pictures_come_from_the_mdn_visualizer(mini_test_run):
    work_dir, _ = mini_test_run  # the session's tools/test.py run, with --show-dir vis
    drawn = sorted(work_dir.glob('*/vis/*.jpg'))
    sources = sorted(data_dir('coco_mini').glob('val2017/*.jpg'))
    assert [p.name.rsplit('_', 1)[0] for p in drawn] == [p.stem for p in sources]  # <name>_0.jpg each
    for picture, source in zip(drawn, sources):
        img = cv2.imread(str(picture))[..., ::-1]  # RGB, as the palette
        assert img.shape == cv2.imread(str(source)).shape
        legend = img[:40, :110].astype(int)
        for colour in COMPONENT_COLORS[:3]:  # JPEG: the legend's colour within a small tolerance
            assert (abs(legend - colour).max(-1) < 40).sum() > 30, (picture.name, colour)
