
from .yolox_pafpn import YOLOXPAFPN
