"""Loading pickled detection files without running arbitrary code."""

from __future__ import annotations

import io
import pickle
from typing import Any

_ALLOWED = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("builtins", "bytes"),
    ("builtins", "bytearray"),
    ("builtins", "dict"),
    ("builtins", "list"),
    ("builtins", "tuple"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("collections", "OrderedDict"),
    ("_codecs", "encode"),
    ("collections", "defaultdict"),
}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "__builtin__":  # protocol < 3 name of builtins
            module = "builtins"
        if (module, name) in _ALLOWED or (module == "numpy" and name.endswith("Dtype")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to unpickle {module}.{name} (only numpy arrays, dicts and lists are allowed)"
        )


def load_array_pickle(path: str) -> Any:
    """Unpickle a file that holds only containers of numpy arrays and numbers.

    Args:
        path: the pickle file (e.g. ``*_detections.pkl`` of ``mot2coco.py``).

    Returns:
        The unpickled object.

    Raises:
        FileNotFoundError: missing file.
        ValueError: the file holds other objects or is not a pickle.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"detection file not found: '{path}'") from None
    try:
        return _ArrayUnpickler(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError) as e:
        raise ValueError(f"{path}: not a pickle of numpy arrays ({e})") from e
