
from .csp_darknet import CSPDarknet
from .mixformer_backbone import ConvVisionTransformer
from .resnet import ResNet, ResNetV1d
from .resnext import ResNeXt
from .sot_resnet import SOTResNet
from .vit_ce import VisionTransformerCE
