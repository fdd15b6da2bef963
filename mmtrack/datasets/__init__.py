"""Datasets, samplers and transforms. Importing this package registers them."""

from . import api_wrappers, samplers, transforms  # noqa: F401
