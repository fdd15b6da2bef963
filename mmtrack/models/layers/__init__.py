from .csp_layer import CSPLayer, DarknetBottleneck
from .ema import ExpMomentumEMA
