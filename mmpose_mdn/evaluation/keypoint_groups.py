"""The keypoint groups of the paper's Table 4: AP with the OKS over one group's keypoints only."""
from typing import Dict, List

FACE = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear')
BODY = ('left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
        'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle')
KEYPOINT_GROUPS = {
    'All': FACE + BODY, 'Facial': FACE, 'Non-facial': BODY, 'Nose': ('nose', ),
    **{part.capitalize(): (f'left_{part[:-1]}', f'right_{part[:-1]}')
       for part in ('eyes', 'ears', 'shoulders', 'elbows', 'wrists', 'hips', 'knees', 'ankles')}}


def group_keypoint_ids(keypoint_name2id: Dict[str, int]) -> Dict[str, List[int]]:
    """The groups as keypoint indices of a dataset (its meta's ``keypoint_name2id``): ``All``, every keypoint of the
    dataset in order, then each group of :data:`KEYPOINT_GROUPS` whose keypoints the dataset has, by COCO's names
    (COCO: all of them; CrowdPose and AI Challenger: the limbs', no face groups)."""
    groups = {'All': sorted(keypoint_name2id.values())}
    groups.update({group: [keypoint_name2id[n] for n in names] for group, names in KEYPOINT_GROUPS.items()
                   if group != 'All' and all(n in keypoint_name2id for n in names)})
    return groups
