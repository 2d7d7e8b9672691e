# One-stack tiny hourglass, the hierarchical MDN of the paper's Sec. 4.4 beside hg-tiny_mdn2_viewpoint.py: a binary
# classifier chooses between two full MDN branches of 2 components each (mmpose_mdn/models/utils/hierarchical_mdn.py),
# on the synthetic two-viewpoint scenes
_base_ = ['./hg-tiny_mdn2_viewpoint.py']
model = dict(head=dict(num_components=4, mixture='hierarchical'))
