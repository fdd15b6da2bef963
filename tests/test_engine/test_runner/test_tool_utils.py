"""Command-line helpers: config loading, option parsing, one-line error messages."""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import pytest

from mmtrack.engine.runner.atomic_dump_results import AtomicDumpResults
from mmtrack.engine.runner.tool_utils import (
    ConfigInputError,
    StrictDictAction,
    ToolArgumentParser,
    config_errors,
    explain_build_error,
    find_type_paths,
    load_config,
    run_tool,
)
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from tests.helpers import toy  # noqa: F401  (registers ToyTrackModel)


def test_find_type_paths() -> None:
    model = dict(type="A", backbone=dict(type="B"), heads=[dict(type="C"), dict(type="B")])
    cfg = dict(model=model, pipeline=[dict(type="X"), [dict(type="B")]])
    assert find_type_paths(cfg, "B") == ["model.backbone", "model.heads[1]", "pipeline[1][0]"]
    assert find_type_paths(cfg, "A") == ["model"]
    assert find_type_paths(cfg, "Z") == []


def _parser() -> ToolArgumentParser:
    parser = ToolArgumentParser(prog="tool.py")
    parser.add_argument("--cfg-options", nargs="+", action=StrictDictAction)
    return parser


def test_strict_dict_action_parses_like_mmengine() -> None:
    args = _parser().parse_args(["--cfg-options", "a.b=1", "c=[1,2]", "d=x", "e.0.f=(1,2)"])
    assert args.cfg_options == {"a.b": 1, "c": [1, 2], "d": "x", "e.0.f": (1, 2)}


@pytest.mark.parametrize("bad", ["a.b", "=1", ".a=1", "a..b=1", "a b=1"])
def test_strict_dict_action_rejects(bad: str, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["--cfg-options", bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err == (f"tool.py: error: argument --cfg-options: malformed item {bad!r}: expected "
                   "KEY=VALUE with a dotted config key, e.g. model.backbone.depth=50 or "
                   "train_cfg.max_epochs=12 (see --help)\n")


def test_load_config(tmp_path: Path) -> None:
    base = tmp_path / "base.py"
    base.write_text("model = dict(type='A', depth=50)\nlr = 0.1\n")
    child = tmp_path / "child.py"
    child.write_text("_base_ = ['./base.py']\nmodel = dict(depth=101)\n")
    cfg = load_config(str(child), {"lr": 0.5})
    assert cfg.model == dict(type="A", depth=101) and cfg.lr == 0.5
    with pytest.raises(ConfigInputError, match="config file not found"):
        load_config(str(tmp_path / "none.py"))
    bad_import = tmp_path / "imp.py"
    bad_import.write_text("custom_imports = dict(imports=['no_such_module_h2'])\n")
    with pytest.raises(ConfigInputError, match="no_such_module_h2"):
        load_config(str(bad_import))


def test_explain_registry_miss() -> None:
    register_all_modules()
    cfg = dict(model=dict(type="ToyTrakModel"))
    with pytest.raises(KeyError) as exc:
        MODELS.build(cfg["model"])
    err = explain_build_error(exc.value, cfg, "c.py")
    assert str(err) == ("config c.py: unknown type 'ToyTrakModel' at model: not in the "
                        "'mmtrack::model' registry; did you mean 'ToyTrackModel'? (if the name "
                        "is right, import its module through custom_imports)")
    assert explain_build_error(KeyError("state_dict"), cfg, "c.py") is None
    assert explain_build_error(TypeError("unsupported operand"), cfg, "c.py") is None


def test_config_errors_context() -> None:
    register_all_modules()
    cfg = dict(model=dict(type="ToyTrackModel", in_feature=2))
    with pytest.raises(ConfigInputError, match=r"bad arguments for type 'ToyTrackModel' at model: "
                       r"got an unexpected keyword argument 'in_feature'"):
        with config_errors(cfg, "c.py"):
            MODELS.build(cfg["model"])
    with pytest.raises(KeyError, match="other"):  # unrelated errors pass through unchanged
        with config_errors(cfg, "c.py"):
            raise KeyError("other")


def test_run_tool_status(capsys) -> None:
    def ok(argv):
        return None

    def bad(argv):
        raise ConfigInputError("broken value")

    def unsafe(argv):
        raise pickle.UnpicklingError("refusing to load checkpoint 'x'")

    def bug(argv):
        raise RuntimeError("a real bug")

    assert run_tool(ok, []) == 0
    assert run_tool(bad, []) == 1
    assert capsys.readouterr().err.endswith("error: broken value\n")
    assert run_tool(unsafe, []) == 1
    assert "refusing to load checkpoint 'x'" in capsys.readouterr().err
    with pytest.raises(RuntimeError):  # bugs keep their traceback
        run_tool(bug, [])


def test_atomic_dump_results(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "res.pkl"
    metric = AtomicDumpResults(out_file_path=str(out))
    metric.process({}, [{"pred": 1.0}, {"pred": 2.0}])
    assert metric.evaluate(2) == {}
    with open(out, "rb") as f:
        assert pickle.load(f) == [{"pred": 1.0}, {"pred": 2.0}]
    assert not list(out.parent.glob("*.tmp"))
    with pytest.raises(ValueError):
        AtomicDumpResults(out_file_path=str(tmp_path / "res.json"))


def test_parser_is_argparse() -> None:
    assert isinstance(_parser(), argparse.ArgumentParser)
