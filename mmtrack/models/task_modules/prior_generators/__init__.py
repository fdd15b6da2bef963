
from .anchor_generator import AnchorGenerator
from .point_generator import MlvlPointGenerator
from .sot_anchor_generator import SiameseRPNAnchorGenerator
from .utils import anchor_inside_flags, images_to_levels
