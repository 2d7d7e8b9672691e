from .centernet_pose import CenterNetPose

__all__ = ['CenterNetPose']
