# The tiny hourglass with one stack (half the compute of the two-stack one), for 2-core CPU training at input 128
_base_ = ['../../_base_/models/centernet_hg-tiny.py']
model = dict(
    backbone=dict(num_stacks=1),
    head=dict(num_stacks=1))
