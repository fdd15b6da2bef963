from .base import BaseSingleObjectTracker
from .mixformer import MixFormer
from .ostrack import OSTrack
from .prdimp import PrDiMP
from .siamrpn import SiamRPN
from .stark import Stark
