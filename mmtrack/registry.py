"""Registries of mmtrack, children of mmengine's root registries.

Every class a config names is registered in one of these. ``locations`` lists
the modules imported lazily the first time a registry is asked to build, so a
config works without an explicit ``register_all_modules()`` call.

* ``MODELS``: every ``nn.Module`` (backbones, necks, heads, detectors, the
  MOT/SOT/VID/VIS meta-architectures, losses, data preprocessors) and the
  stateful trackers (built by the meta-architectures).
* ``TASK_UTILS``: non-module helpers: prior generators, box coders,
  assigners, samplers, motion models (Kalman filter, CMC), interpolation.
* ``DATASETS``, ``DATA_SAMPLERS``, ``TRANSFORMS``: the data pipeline.
* ``METRICS``, ``EVALUATOR``: evaluation.
* ``HOOKS``, ``LOOPS``, ``RUNNERS``, ``OPTIMIZERS``, ``OPTIM_WRAPPERS``,
  ``PARAM_SCHEDULERS``, ...: the engine.
* ``VISUALIZERS``, ``VISBACKENDS``: drawing.
"""

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

RUNNERS = Registry("runner", parent=MMENGINE_RUNNERS, locations=["mmtrack.engine"])
RUNNER_CONSTRUCTORS = Registry(
    "runner constructor", parent=MMENGINE_RUNNER_CONSTRUCTORS, locations=["mmtrack.engine"]
)
LOOPS = Registry("loop", parent=MMENGINE_LOOPS, locations=["mmtrack.engine"])
HOOKS = Registry("hook", parent=MMENGINE_HOOKS, locations=["mmtrack.engine"])

DATASETS = Registry("dataset", parent=MMENGINE_DATASETS, locations=["mmtrack.datasets"])
DATA_SAMPLERS = Registry(
    "data sampler", parent=MMENGINE_DATA_SAMPLERS, locations=["mmtrack.datasets.samplers"]
)
TRANSFORMS = Registry(
    "transform", parent=MMENGINE_TRANSFORMS, locations=["mmtrack.datasets.transforms"]
)

MODELS = Registry("model", parent=MMENGINE_MODELS, locations=["mmtrack.models"])
MODEL_WRAPPERS = Registry(
    "model_wrapper", parent=MMENGINE_MODEL_WRAPPERS, locations=["mmtrack.models"]
)
WEIGHT_INITIALIZERS = Registry(
    "weight initializer", parent=MMENGINE_WEIGHT_INITIALIZERS, locations=["mmtrack.models"]
)
TASK_UTILS = Registry("task util", parent=MMENGINE_TASK_UTILS, locations=["mmtrack.models"])

OPTIMIZERS = Registry("optimizer", parent=MMENGINE_OPTIMIZERS, locations=["mmtrack.engine"])
OPTIM_WRAPPERS = Registry(
    "optim_wrapper", parent=MMENGINE_OPTIM_WRAPPERS, locations=["mmtrack.engine"]
)
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    "optimizer wrapper constructor",
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=["mmtrack.engine"],
)
PARAM_SCHEDULERS = Registry(
    "parameter scheduler", parent=MMENGINE_PARAM_SCHEDULERS, locations=["mmtrack.engine"]
)

METRICS = Registry("metric", parent=MMENGINE_METRICS, locations=["mmtrack.evaluation"])
EVALUATOR = Registry("evaluator", parent=MMENGINE_EVALUATOR, locations=["mmtrack.evaluation"])

VISUALIZERS = Registry(
    "visualizer", parent=MMENGINE_VISUALIZERS, locations=["mmtrack.visualization"]
)
VISBACKENDS = Registry(
    "vis_backend", parent=MMENGINE_VISBACKENDS, locations=["mmtrack.visualization"]
)
LOG_PROCESSORS = Registry(
    "log_processor", parent=MMENGINE_LOG_PROCESSORS, locations=["mmtrack.engine"]
)
