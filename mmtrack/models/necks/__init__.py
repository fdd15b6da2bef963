
from .channel_mapper import ChannelMapper
from .fpn import FPN
from .yolox_pafpn import YOLOXPAFPN
