# SmallHG, the hierarchical MDN of the paper's Sec. 4.4 beside hg-small_mdn2_coco.py: a binary classifier chooses
# between two full MDN branches of 2 components each (4 in all; mmpose_mdn/models/utils/hierarchical_mdn.py says how
# eq. 7 is read), 1x schedule, single flip-free test pass
_base_ = ['./hg-small_mdn2_coco.py']
model = dict(head=dict(num_components=4, mixture='hierarchical'))
