
from .csp_darknet import CSPDarknet
