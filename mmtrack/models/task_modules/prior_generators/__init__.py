
from .point_generator import MlvlPointGenerator
