
from .anchor_generator import AnchorGenerator
from .point_generator import MlvlPointGenerator
from .utils import anchor_inside_flags, images_to_levels
