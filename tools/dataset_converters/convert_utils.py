"""Helpers shared by the dataset converters: strict parsing and atomic output.

Converters import this module after putting ``tools/dataset_converters`` on
``sys.path`` (see :func:`add_converters_to_path` in each script).
"""

from __future__ import annotations

import importlib.util
import json
import os
import os.path as osp
import pickle
import shutil
import sys
from types import ModuleType
from typing import Any, Callable, Iterable, Optional, Sequence

CONVERTERS_DIR = osp.dirname(osp.abspath(__file__))


class ConversionError(ValueError):
    """Malformed input; the message names the file, the line and the value."""


def where(path: str, lineno: Optional[int] = None) -> str:
    """Format a ``file:line`` location for error messages."""
    return f'{path}:{lineno}' if lineno is not None else path


def read_lines(path: str) -> list[tuple[int, str]]:
    """Read a text file and return its non-blank lines with 1-based numbers.

    Raises:
        ConversionError: If the file does not exist.
    """
    if not osp.isfile(path):
        raise ConversionError(f'{path}: file not found')
    with open(path, encoding='utf-8') as f:
        return [(i, line.rstrip('\r\n')) for i, line in enumerate(f, 1) if line.strip()]


def parse_number(text: str, kind: Callable[[str], Any], path: str, lineno: Optional[int],
                 field: str) -> Any:
    """Parse ``text`` as ``int`` (accepting ``'3.0'``-style integers) or ``float``.

    Raises:
        ConversionError: Naming file, line, field and value when it does not parse,
            is not finite, or is a non-integer where an integer is required.
    """
    value = text.strip()
    try:
        number = float(value)
    except ValueError:
        raise ConversionError(
            f'{where(path, lineno)}: field {field!r} is not a number: {value!r}') from None
    if number != number or number in (float('inf'), float('-inf')):
        raise ConversionError(f'{where(path, lineno)}: field {field!r} is not finite: {value!r}')
    if kind is int:
        if number != int(number):
            raise ConversionError(
                f'{where(path, lineno)}: field {field!r} is not an integer: {value!r}')
        return int(number)
    return number


def split_row(line: str, path: str, lineno: int, fields: Sequence[str],
              sep: str = ',') -> list[str]:
    """Split a delimited row and check it has at least ``len(fields)`` columns."""
    cols = [c for c in line.strip().split(sep)] if sep else line.split()
    if len(cols) < len(fields):
        missing = ', '.join(fields[len(cols):])
        raise ConversionError(
            f'{where(path, lineno)}: expected {len(fields)} columns '
            f'({", ".join(fields)}), got {len(cols)} (missing {missing}): {line.strip()!r}')
    return cols


def check_box_size(w: float, h: float, path: str, lineno: Optional[int]) -> None:
    """Reject boxes with a negative width or height."""
    if w < 0 or h < 0:
        raise ConversionError(
            f'{where(path, lineno)}: box has negative size (width={w}, height={h})')


#: The ``seqinfo.ini`` keys every converter needs.
SEQINFO_FIELDS = ('name', 'imDir', 'frameRate', 'seqLength', 'imWidth', 'imHeight')


def read_seqinfo(path: str) -> dict[str, Any]:
    """Read a MOTChallenge ``seqinfo.ini`` with all of :data:`SEQINFO_FIELDS`.

    The reader is :func:`mmtrack.evaluation.functional.read_seqinfo` (one
    implementation for evaluation and conversion); its errors are raised as
    :class:`ConversionError` with the same message.

    Returns:
        dict: ``name``, ``imDir``, ``frameRate``, ``seqLength``, ``imWidth``,
        ``imHeight`` (ints where numeric) and ``imExt`` (default ``'.jpg'``).
    """
    from mmtrack.evaluation.functional import MOTFileError
    from mmtrack.evaluation.functional import read_seqinfo as _read_seqinfo

    try:
        return _read_seqinfo(path, required=SEQINFO_FIELDS, min_length=0)
    except MOTFileError as e:
        raise ConversionError(str(e)) from None


class AtomicOutputs:
    """Stage output files under temporary names and publish them together.

    Files are written to ``<dir>/.<name>.tmp-<pid>`` and renamed to their final
    names only by :meth:`commit`; if the block raises, staged files are deleted,
    so malformed input never leaves partial output.

    Examples:
        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> with AtomicOutputs() as out:
        ...     out.write_json(osp.join(d, 'a.json'), {'x': 1})
        >>> sorted(os.listdir(d))
        ['a.json']
    """

    def __init__(self) -> None:
        self._staged: list[tuple[str, str]] = []

    def __enter__(self) -> AtomicOutputs:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    def _tmp_path(self, path: str) -> str:
        parent, name = osp.split(osp.abspath(path))
        os.makedirs(parent, exist_ok=True)
        tmp = osp.join(parent, f'.{name}.tmp-{os.getpid()}')
        self._staged.append((tmp, path))
        return tmp

    def write_json(self, path: str, obj: Any) -> None:
        """Stage ``obj`` as JSON at ``path``."""
        with open(self._tmp_path(path), 'w', encoding='utf-8') as f:
            json.dump(obj, f)

    def write_pickle(self, path: str, obj: Any) -> None:
        """Stage ``obj`` pickled at ``path``."""
        with open(self._tmp_path(path), 'wb') as f:
            pickle.dump(obj, f)

    def write_text(self, path: str, lines: Iterable[str]) -> None:
        """Stage text ``lines`` (newlines added) at ``path``."""
        with open(self._tmp_path(path), 'w', encoding='utf-8') as f:
            for line in lines:
                f.write(f'{line}\n')

    def write_bytes(self, path: str, data: bytes) -> None:
        """Stage raw bytes at ``path``."""
        with open(self._tmp_path(path), 'wb') as f:
            f.write(data)

    def stage_path(self, path: str) -> str:
        """Return a temporary path that :meth:`commit` will rename to ``path``."""
        return self._tmp_path(path)

    def commit(self) -> None:
        """Rename every staged file to its final name."""
        for tmp, final in self._staged:
            os.replace(tmp, final)
        self._staged = []

    def discard(self) -> None:
        """Delete every staged file."""
        for tmp, _ in self._staged:
            if osp.exists(tmp):
                os.remove(tmp)
        self._staged = []


def list_images(folder: str, exts: Sequence[str] = ('.jpg', '.jpeg', '.png')) -> list[str]:
    """Sorted image file names in ``folder`` (error if the folder is missing)."""
    if not osp.isdir(folder):
        raise ConversionError(f'{folder}: image folder not found')
    exts = tuple(e.lower() for e in exts)
    return sorted(n for n in os.listdir(folder) if n.lower().endswith(exts)
                  and not n.startswith('.'))


def load_sibling(relpath: str) -> ModuleType:
    """Import another converter script by its path under ``tools/dataset_converters``.

    Args:
        relpath (str): e.g. ``'mot/mot2coco.py'``.
    """
    name = 'dataset_converters_' + osp.splitext(relpath)[0].replace('/', '_')
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, osp.join(CONVERTERS_DIR, relpath))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def publish_dir(tmp_dir: str, final_dir: str) -> None:
    """Rename a fully written ``tmp_dir`` to ``final_dir`` (absent or empty)."""
    if osp.isdir(final_dir):
        os.rmdir(final_dir)  # fails if not empty: checked by the caller beforehand
    os.replace(tmp_dir, final_dir)


def fresh_tmp_dir(final_dir: str) -> str:
    """Create an empty temporary directory next to ``final_dir``."""
    parent, name = osp.split(osp.abspath(final_dir))
    os.makedirs(parent, exist_ok=True)
    tmp = osp.join(parent, f'.{name}.tmp-{os.getpid()}')
    if osp.exists(tmp):
        shutil.rmtree(tmp)
    os.makedirs(tmp)
    return tmp


def run_main(main: Callable[[], None]) -> None:
    """Run a converter's ``main`` and turn :class:`ConversionError` into exit code 1."""
    try:
        main()
    except ConversionError as e:
        sys.exit(f'error: {e}')
