from .csp_layer import CSPLayer, DarknetBottleneck
