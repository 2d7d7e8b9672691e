"""The viewpoint experiment: synthetic people seen from the front, the back or the side, in COCO format, and how
the components of an MDN head line up with the viewpoint.

- :mod:`.body`: the body model (keypoints in body coordinates, random poses and viewpoints)
- :mod:`.person`: a person projected into the image, its appearance and parts
- :mod:`.drawing`: cv2 drawing of parts into the image and a label map, the background
- :mod:`.scene`: one scene and its COCO annotations (visibility from the label map)
- :mod:`.writer`: a split of scenes written as files, reproducibly
- :mod:`.dataset`: ``ViewpointSceneDataset``, generating its files on first use
- :mod:`.metric`: ``ViewpointComponentMetric``, components against the annotated viewpoint
- :mod:`.centres`: the annotated front/back people as a trained model sees them, for analyses at their centres
"""
from .body import VIEWPOINTS, sample_pose, sample_viewpoint
from .centres import front_back_people
from .dataset import ViewpointSceneDataset
from .metric import ViewpointComponentMetric, align_components, match_greedy, viewpoint_agreement
from .person import Person
from .scene import draw_people, label_keypoints, render_scene
from .writer import generate_viewpoint_scenes, scene_info

__all__ = ['VIEWPOINTS', 'Person', 'ViewpointComponentMetric', 'ViewpointSceneDataset', 'align_components',
           'draw_people', 'front_back_people', 'generate_viewpoint_scenes', 'label_keypoints', 'match_greedy',
           'render_scene', 'sample_pose', 'sample_viewpoint', 'scene_info', 'viewpoint_agreement']
