"""Losses (registered in ``MODELS``) and their weighting helpers."""

from .accuracy import Accuracy, accuracy
from .cross_entropy_loss import (
    CrossEntropyLoss,
    binary_cross_entropy,
    cross_entropy,
    mask_cross_entropy,
)
from .dice_loss import DiceLoss, dice_loss
from .focal_loss import FocalLoss, sigmoid_focal_loss
from .gaussian_focal_loss import GaussianFocalLoss, gaussian_focal_loss
from .iou_loss import GIoULoss, IoULoss, giou_loss, iou_loss
from .kl_loss import KLGridLoss, KLMCLoss
from .l1_loss import L1Loss, l1_loss
from .l2_loss import L2Loss, l2_loss
from .multipos_cross_entropy_loss import MultiPosCrossEntropyLoss, multi_pos_cross_entropy
from .smooth_l1_loss import SmoothL1Loss, smooth_l1_loss
from .triplet_loss import TripletLoss
from .utils import reduce_loss, weight_reduce_loss, weighted_loss
