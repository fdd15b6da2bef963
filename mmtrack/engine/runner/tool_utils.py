"""Command-line plumbing shared by ``tools/train.py``, ``tools/test.py`` and friends.

Bad input (missing config file, malformed ``--cfg-options``, a ``type`` that
no registry knows, wrong constructor arguments, missing or unsafe checkpoint)
ends the tool with one ``<tool>: error: ...`` line on stderr and a non-zero
exit status instead of a traceback. Set ``MMTRACK_DEBUG=1`` to get the full
traceback as well.
"""

from __future__ import annotations

import argparse
import difflib
import os
import os.path as osp
import pickle
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from mmengine.config import Config, DictAction
from mmengine.registry import Registry

__all__ = [
    "ConfigInputError",
    "StrictDictAction",
    "ToolArgumentParser",
    "build_runner",
    "config_errors",
    "find_type_paths",
    "load_config",
    "run_tool",
    "set_local_rank_env",
]

DEBUG_ENV = "MMTRACK_DEBUG"

_REGISTRY_MISS = re.compile(
    r"^(?P<type>\S+) is not in the (?:(?P<scope>[\w.-]+)::)?(?P<reg>.+?) registry"
)
# Python's own unknown/missing keyword errors, and mmtrack.utils.fixed_keys'
# "got an unexpected key 'k' in arg=..." for dict-valued arguments.
_BAD_INIT_ARGS = re.compile(
    r"^(?P<cls>[\w.]+)\.__init__\(\) (?P<what>(got an unexpected key|got \w+=|missing \d+ "
    r"required (positional|keyword-only) argument).*)$",
    re.DOTALL,
)
_UNEXPECTED_KWARG = re.compile(r"unexpected keyword argument '(?P<key>\w+)'")


_CFG_KEY = re.compile(r"[A-Za-z_]\w*(\.\w+)*")


class ConfigInputError(Exception):
    """Bad user input to a tool (config file, option or value); shown as one line."""


class ToolArgumentParser(argparse.ArgumentParser):
    """``ArgumentParser`` whose errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        """Print ``<prog>: error: <message> (see --help)`` and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


class StrictDictAction(DictAction):
    """mmengine's ``DictAction`` that rejects items without ``KEY=VALUE``.

    mmengine's version fails with a bare ``ValueError`` traceback on ``a.b``.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        """Check each ``KEY=VALUE`` item, then parse them as mmengine does."""
        for kv in values or []:
            key, sep, _ = str(kv).partition("=")
            if not sep or not _CFG_KEY.fullmatch(key):
                raise argparse.ArgumentError(
                    self,
                    f"malformed item {kv!r}: expected KEY=VALUE with a dotted config key, "
                    "e.g. model.backbone.depth=50 or train_cfg.max_epochs=12",
                )
        super().__call__(parser, namespace, values, option_string)


def load_config(path: str, cfg_options: dict | None = None) -> Config:
    """Read a config file (with ``_base_`` inheritance) and apply ``--cfg-options``.

    Args:
        path: config file path.
        cfg_options: ``{dotted.key: value}`` overrides. Defaults to None.

    Returns:
        The merged config.

    Raises:
        ConfigInputError: the file (or one of its ``_base_`` files) is missing,
            unreadable or not valid Python, or an override cannot be applied.
    """
    if not osp.isfile(path):
        raise ConfigInputError(f"config file not found: {path}")
    try:
        cfg = Config.fromfile(path)
    except FileNotFoundError as err:
        raise ConfigInputError(f"config {path}: {err}") from err
    except SyntaxError as err:
        where = f"{err.filename}:{err.lineno}" if err.filename else path
        raise ConfigInputError(f"config {path}: syntax error at {where}: {err.msg}") from err
    except ImportError as err:
        raise ConfigInputError(f"config {path}: cannot import {err.name or err}") from err
    if cfg_options:
        try:
            cfg.merge_from_dict(cfg_options)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ConfigInputError(f"config {path}: cannot apply --cfg-options: {err}") from err
    return cfg


def find_type_paths(cfg: Any, type_name: str, prefix: str = "") -> list[str]:
    """Return the dotted keys of every ``dict(type=type_name, ...)`` in ``cfg``.

    Examples:
        >>> find_type_paths({'model': {'backbone': {'type': 'X'}}}, 'X')
        ['model.backbone']
    """
    paths: list[str] = []
    if isinstance(cfg, dict):
        if cfg.get("type") == type_name:
            paths.append(prefix or "<root>")
        for key, value in cfg.items():
            child = f"{prefix}.{key}" if prefix else str(key)
            paths.extend(find_type_paths(value, type_name, child))
    elif isinstance(cfg, (list, tuple)):
        for i, value in enumerate(cfg):
            paths.extend(find_type_paths(value, type_name, f"{prefix}[{i}]"))
    return paths


def _where(cfg: Any, type_name: str) -> str:
    paths = find_type_paths(cfg.to_dict() if isinstance(cfg, Config) else cfg, type_name)
    return f" at {', '.join(paths)}" if paths else ""


def _registered_class(type_name: str) -> type | None:
    """The class a config ``type`` names, looked up in mmtrack's registries."""
    import mmtrack.registry as registries

    for obj in vars(registries).values():
        if isinstance(obj, Registry):
            try:
                cls = obj.get(type_name)
            except Exception:  # noqa: BLE001 - a registry that cannot resolve it
                cls = None
            if isinstance(cls, type):
                return cls
    return None


def _subclass_paths(
    cfg: Any, base: str, key: str | None, prefix: str = ""
) -> list[tuple[str, str]]:
    """``(path, type)`` of the config dicts whose type subclasses ``base`` and hold ``key``.

    A constructor that passes ``**kwargs`` on (``MOTChallengeDataset`` ->
    ``BaseDataset``) raises the unknown-keyword error under its base class's
    name; this finds the config entry the user wrote.
    """
    found: list[tuple[str, str]] = []
    if isinstance(cfg, dict):
        type_name = cfg.get("type")
        if isinstance(type_name, str) and (key is None or key in cfg):
            cls = _registered_class(type_name)
            if cls is not None and base in (c.__name__ for c in cls.__mro__[1:]):
                found.append((prefix or "<root>", type_name))
        for k, value in cfg.items():
            found.extend(_subclass_paths(value, base, key, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(cfg, (list, tuple)):
        for i, value in enumerate(cfg):
            found.extend(_subclass_paths(value, base, key, f"{prefix}[{i}]"))
    return found


def _close_names(name: str, registry_name: str) -> list[str]:
    """Names registered close to ``name`` in registry ``registry_name`` and its parents."""
    import mmtrack.registry as registries

    candidates: set[str] = set()
    for obj in vars(registries).values():
        if isinstance(obj, Registry) and obj.name == registry_name:
            reg: Registry | None = obj
            while reg is not None:
                candidates.update(reg.module_dict)
                reg = reg.parent
    return difflib.get_close_matches(name, sorted(candidates), n=3, cutoff=0.6)


def explain_build_error(err: BaseException, cfg: Any, config_path: str) -> ConfigInputError | None:
    """Turn a registry-miss ``KeyError`` or a constructor ``TypeError`` into one line.

    Returns:
        The error to raise instead, or None when ``err`` is not such an error.
    """
    message = str(err.args[0]) if err.args else ""
    if isinstance(err, KeyError):
        match = _REGISTRY_MISS.match(message)
        if match:
            name, reg = match.group("type"), match.group("reg")
            scope = match.group("scope")
            registry = f"'{scope}::{reg}'" if scope else f"'{reg}'"
            close = _close_names(name, reg)
            hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
            return ConfigInputError(
                f"config {config_path}: unknown type '{name}'{_where(cfg, name)}: not in the "
                f"{registry} registry; {hint}(if the name is right, import its module "
                "through custom_imports)"
            )
    if isinstance(err, TypeError):
        match = _BAD_INIT_ARGS.match(message)
        if match:
            cls = match.group("cls").split(".")[-1]
            what = match.group("what")
            where = _where(cfg, cls)
            if not where:  # raised by a base class the config's type passes kwargs on to
                key = _UNEXPECTED_KWARG.search(what)
                plain = cfg.to_dict() if isinstance(cfg, Config) else cfg
                found = _subclass_paths(plain, cls, key.group("key") if key else None)
                types = sorted({t for _, t in found})
                if len(types) == 1:
                    paths = ", ".join(p for p, _ in found)
                    return ConfigInputError(
                        f"config {config_path}: bad arguments for type '{types[0]}' at {paths} "
                        f"(passed on to its base class {cls}): {what}"
                    )
            return ConfigInputError(
                f"config {config_path}: bad arguments for type '{cls}'{where}: {what}"
            )
    return None


@contextmanager
def config_errors(cfg: Any, config_path: str) -> Iterator[None]:
    """Re-raise build errors caused by the config as :class:`ConfigInputError`."""
    try:
        yield
    except (KeyError, TypeError) as err:
        explained = explain_build_error(err, cfg, config_path)
        if explained is None:
            raise
        raise explained from err


def set_local_rank_env(local_rank: int) -> None:
    """Export ``LOCAL_RANK`` for launchers that pass ``--local-rank`` (torch.distributed.launch)."""
    if "LOCAL_RANK" not in os.environ:
        os.environ["LOCAL_RANK"] = str(local_rank)


def build_runner(cfg: Config) -> Any:
    """Build the runner: ``cfg.runner_type`` if set, else :class:`TrackRunner`."""
    from mmtrack.registry import RUNNERS

    from .track_runner import TrackRunner

    if "runner_type" in cfg:
        return RUNNERS.build(cfg)
    return TrackRunner.from_cfg(cfg)


def run_tool(main: Callable[[list[str] | None], Any], argv: list[str] | None = None) -> int:
    """Run a tool's ``main``; report input errors as one line on stderr.

    Args:
        main: the tool's entry point, taking ``argv``.
        argv: command-line arguments. Defaults to None (``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 1 on bad input.
    """
    prog = osp.basename(sys.argv[0]) or "mmtrack"
    try:
        main(argv)
    except (ConfigInputError, FileNotFoundError, pickle.UnpicklingError) as err:
        # pickle.UnpicklingError covers mmtrack.utils.checkpoint.UnsafeCheckpointError.
        if os.environ.get(DEBUG_ENV, "0") not in ("", "0"):
            traceback.print_exc()
        message = str(err) if not isinstance(err, FileNotFoundError) or not err.filename else (
            f"{err.strerror or 'file not found'}: {err.filename}"
        )
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 1
    return 0
