"""Hooks."""

from .track_visualization_hook import TrackVisualizationHook

__all__ = ["TrackVisualizationHook"]
from .ce_keep_rate_hook import CEKeepRateHook
from .exact_resume_hook import ExactResumeHook
from .siamrpn_backbone_unfreeze_hook import SiamRPNBackboneUnfreezeHook
from .sync_norm_hook import SyncNormHook
from .yolox_mode_switch_hook import YOLOXModeSwitchHook
