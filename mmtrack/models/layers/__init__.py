from .csp_layer import CSPLayer, DarknetBottleneck
from .ema import ExpMomentumEMA
from .bbox_nms import multiclass_nms
