from .mdn_pose_visualizer import COMPONENT_COLORS, MDNPoseLocalVisualizer

__all__ = ['COMPONENT_COLORS', 'MDNPoseLocalVisualizer']
