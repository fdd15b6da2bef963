from .bbox_nms import multiclass_nms
from .csp_layer import CSPLayer, DarknetBottleneck
from .detr_transformer import DetrTransformerDecoder, DetrTransformerEncoder
from .ema import ExpMomentumEMA
from .mask2former_transformer_decoder import (
    Mask2FormerTransformerDecoder,
    Mask2FormerTransformerDecoderLayer,
)
from .mask2former_transformer_encoder import (
    DeformableDetrTransformerEncoderLayer,
    Mask2FormerTransformerEncoder,
)
from .misc import empty_instances, multi_apply, select_single_mlvl, unmap, unpack_gt_instances
from .msdeformattn_pixel_decoder import MSDeformAttnPixelDecoder
from .multi_scale_deformable_attention import MultiScaleDeformableAttention
from .point_sample import get_uncertain_point_coords_with_randomness, point_sample
from .positional_encoding import SinePositionalEncoding
from .pretrained import resolve_local_checkpoint
from .res_layer import ResLayer
from .sine_positional_encoding_3d import SinePositionalEncoding3D
