from .bbox_nms import multiclass_nms
from .csp_layer import CSPLayer, DarknetBottleneck
from .ema import ExpMomentumEMA
from .pretrained import resolve_local_checkpoint
from .res_layer import ResLayer
