"""Data transforms (registered in ``mmtrack.registry.TRANSFORMS``)."""

from .broadcaster import TransformBroadcaster
from .check_pad_mask_validity import CheckPadMaskValidity
from .crop import RandomCrop
from .filter_annotations import FilterAnnotations
from .flip import RandomFlip
from .formatting import PackDetInputs, PackReIDInputs, PackTrackInputs
from .loading import LoadAnnotations, LoadImageFromFile, LoadTrackAnnotations
from .mixup import MixUp
from .mosaic import Mosaic
from .pad import Pad
from .photometric import PhotoMetricDistortion, YOLOXHSVRandomAug
from .random_affine import RandomAffine
from .resize import RandomResize, Resize
from .sot_augmentation import BrightnessAug, GrayAug, SeqBlurAug, SeqColorAug
from .sot_formatting import PackSOTInputs
from .sot_processing import (
    CropLikeDiMP,
    CropLikeSiamFC,
    SeqBboxJitter,
    SeqCropLikeStark,
    SeqShiftScaleAug,
)
from .sot_sampling import DiMPSampling, PairSampling, TridentSampling
