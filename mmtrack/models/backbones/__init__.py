
from .csp_darknet import CSPDarknet
from .resnet import ResNet, ResNetV1d
from .resnext import ResNeXt
from .vit_ce import VisionTransformerCE
