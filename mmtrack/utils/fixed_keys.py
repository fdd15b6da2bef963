"""Dict-valued constructor arguments with a fixed set of keys.

Trackers take thresholds as small dicts (``ByteTracker(obj_score_thrs=dict(high=0.6,
low=0.1))``) merged over their defaults. A misspelt key (``dict(hihg=0.9)``) would
be merged and never read; :func:`merge_fixed_keys` refuses it instead, with a
``TypeError`` worded like Python's own unknown-keyword error, so that the tools
report it as ``bad arguments for type '<Class>' at <config key path>: ...``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

__all__ = ["merge_fixed_keys"]


def merge_fixed_keys(
    owner: str, arg: str, given: Mapping[str, Any] | None, defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """Return ``{**defaults, **given}`` after checking ``given``'s keys.

    Args:
        owner: class whose constructor takes the argument, e.g. ``'ByteTracker'``.
        arg: the argument's name, e.g. ``'obj_score_thrs'``.
        given: the value passed (None: the defaults).
        defaults: the default dict; its keys are the only ones allowed.

    Returns:
        A new dict with every key of ``defaults``.

    Raises:
        TypeError: ``given`` is not a dict, or has a key that ``defaults``
            lacks (the message names the key, the argument, the allowed keys
            and the closest one).

    Examples:
        >>> merge_fixed_keys('T', 'thrs', dict(low=0.2), dict(high=0.6, low=0.1))
        {'high': 0.6, 'low': 0.2}
    """
    if given is None:
        return dict(defaults)
    allowed = ", ".join(repr(k) for k in defaults)
    if not isinstance(given, Mapping):
        raise TypeError(
            f"{owner}.__init__() got {arg}={given!r}: expected a dict with keys among {allowed}"
        )
    for key in given:
        if key not in defaults:
            close = difflib.get_close_matches(str(key), [str(k) for k in defaults], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(
                f"{owner}.__init__() got an unexpected key {key!r} in {arg}="
                f"{dict(given)!r} (its keys are {allowed}{hint})"
            )
    return {**defaults, **given}
