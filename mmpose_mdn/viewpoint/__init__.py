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
- :mod:`.components`: what an MDN's components do at those centres (π, errors, oracle, mirror distance)
- :mod:`.probe`: a linear probe of the viewpoint from the features at those centres
- :mod:`.verdict`: the paper's claim judged on the benchmark's results
- :mod:`.aggregate`: seeds made one (mean ± std, component shares in a common order)
- :mod:`.report`, :mod:`.plots`: the benchmark's and the study's Markdown reports and figures
"""
from .body import VIEWPOINTS, sample_pose, sample_viewpoint
from .centres import front_back_people
from .components import centre_components, front_pi, summarise_components
from .dataset import ViewpointSceneDataset
from .metric import ViewpointComponentMetric, align_components, match_greedy, viewpoint_agreement
from .person import Person
from .probe import viewpoint_probe
from .scene import draw_people, label_keypoints, render_scene, sample_person
from .verdict import claim, visible_agreement
from .writer import generate_viewpoint_scenes, scene_info

__all__ = ['VIEWPOINTS', 'Person', 'ViewpointComponentMetric', 'ViewpointSceneDataset', 'align_components',
           'centre_components', 'claim', 'draw_people', 'front_back_people', 'front_pi', 'generate_viewpoint_scenes',
           'label_keypoints', 'match_greedy', 'render_scene', 'sample_person', 'sample_pose', 'sample_viewpoint',
           'scene_info', 'summarise_components', 'viewpoint_agreement', 'viewpoint_probe', 'visible_agreement']
