from .centernet_pose_estimator import CenterNetPoseEstimator

__all__ = ['CenterNetPoseEstimator']
