from .expected_oks import expected_oks
from .hierarchical_mdn import hierarchical_channels, hierarchical_parameters
from .mdn import (check_component_rule, mdn_channels, mdn_parameters, mdn_slices, mixture_probs, select_component,
                  sigma_to_raw)

__all__ = ['check_component_rule', 'expected_oks', 'hierarchical_channels', 'hierarchical_parameters', 'mdn_channels',
           'mdn_parameters', 'mdn_slices', 'mixture_probs', 'select_component', 'sigma_to_raw']
