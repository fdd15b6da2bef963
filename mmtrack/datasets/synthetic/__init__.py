"""Deterministic synthetic videos for demos and end-to-end tests.

Generators write data in the native layout of real benchmarks (MOTChallenge,
LaSOT, YouTube-VIS), so the real converters and datasets read them.
"""

from .frame_degradation import FrameDegradation
from .mot_sequences import DetectionNoise, generate_mot_sequences
from .sot_sequences import SOT_CLASSES, generate_sot_sequences
from .synthetic_scene import ObjectView, RenderedFrame, SceneObject, SyntheticScene
from .vis_videos import YTVIS_2019_CLASSES, YTVIS_2021_CLASSES, generate_vis_videos

__all__ = [
    'DetectionNoise', 'FrameDegradation', 'generate_mot_sequences', 'generate_sot_sequences',
    'generate_vis_videos',
    'SyntheticScene', 'SceneObject', 'ObjectView', 'RenderedFrame', 'SOT_CLASSES',
    'YTVIS_2019_CLASSES', 'YTVIS_2021_CLASSES'
]
