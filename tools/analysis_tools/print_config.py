#!/usr/bin/env python
"""Print the full config (after ``_base_`` inheritance and ``--cfg-options``).

Example::

    python tools/analysis_tools/print_config.py CONFIG --cfg-options train_cfg.max_epochs=2
"""

from __future__ import annotations

import argparse
import os
import os.path as osp

from mmtrack.engine.runner.tool_utils import (
    StrictDictAction,
    ToolArgumentParser,
    load_config,
    run_tool,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line of ``print_config.py``."""
    parser = ToolArgumentParser(description="Print the whole config")
    parser.add_argument("config", help="config file path")
    parser.add_argument(
        "--save-path", help="also write the merged config here (.py, .json or .yaml)"
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=StrictDictAction,
        metavar="KEY=VALUE",
        help="override config entries, e.g. train_cfg.max_epochs=2",
    )
    args = parser.parse_args(argv)
    if args.save_path is not None and not args.save_path.endswith((".py", ".json", ".yaml")):
        parser.error(f"--save-path must end in .py, .json or .yaml, got {args.save_path!r}")
    return args


def main(argv: list[str] | None = None) -> None:
    """Print (and optionally save) the merged config."""
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    print(f"Config:\n{cfg.pretty_text}")
    if args.save_path is not None:
        suffix = osp.splitext(args.save_path)[1]
        tmp = args.save_path + ".tmp" + suffix
        cfg.dump(tmp)
        os.replace(tmp, args.save_path)
        print(f"Config saved to {args.save_path}")


if __name__ == "__main__":
    raise SystemExit(run_tool(main))
