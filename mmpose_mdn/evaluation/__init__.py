from .viewpoint_metric import (VIEWS, ViewpointComponentMetric, align_components, match_greedy,
                               viewpoint_agreement)

__all__ = ['VIEWS', 'ViewpointComponentMetric', 'align_components', 'match_greedy',
           'viewpoint_agreement']
