"""register_all_modules: registration, default scope and safe loading."""

from __future__ import annotations

import warnings

import pytest
from mmengine import DefaultScope
from mmengine.runner import checkpoint as mmckpt

from mmtrack.engine import CPUAmpOptimWrapper, TrackRunner, TrackVisualizationHook
from mmtrack.registry import HOOKS, OPTIM_WRAPPERS, RUNNERS
from mmtrack.utils import checkpoint as safe
from mmtrack.utils import register_all_modules


def test_register_all_modules_sets_scope_and_registers() -> None:
    register_all_modules()
    assert DefaultScope.get_current_instance().scope_name == "mmtrack"
    assert RUNNERS.get("TrackRunner") is TrackRunner
    assert HOOKS.get("TrackVisualizationHook") is TrackVisualizationHook
    assert OPTIM_WRAPPERS.get("CPUAmpOptimWrapper") is CPUAmpOptimWrapper
    assert mmckpt.CheckpointLoader._schemes[""] is safe.load_from_local


def test_register_all_modules_switches_foreign_scope() -> None:
    DefaultScope.get_instance("h2-foreign-scope-test", scope_name="mmdet")
    assert DefaultScope.get_current_instance().scope_name == "mmdet"
    with pytest.warns(UserWarning, match='is not "mmtrack"'):
        register_all_modules()
    assert DefaultScope.get_current_instance().scope_name == "mmtrack"


def test_register_all_modules_can_leave_scope() -> None:
    DefaultScope.get_instance("h2-keep-scope-test", scope_name="mmengine")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        register_all_modules(init_default_scope=False)
    assert DefaultScope.get_current_instance().scope_name == "mmengine"
    with pytest.warns(UserWarning):
        register_all_modules()
