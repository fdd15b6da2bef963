from .base import BaseSingleObjectTracker
from .ostrack import OSTrack
from .siamrpn import SiamRPN
from .stark import Stark
