"""Reading, checking and writing MOTChallenge text files.

A MOTChallenge file has one box per line, comma separated::

    frame, id, bb_left, bb_top, bb_width, bb_height, conf, x, y, z      (results)
    frame, id, bb_left, bb_top, bb_width, bb_height, conf, class, vis   (ground truth)

Frames are 1-based, boxes are left/top/width/height in pixels. In ground
truth ``conf`` is the "zero-marked" flag (0: ignore this box) and ``class``
is the MOTChallenge class id (1 pedestrian, 2 person on vehicle, ..., 8
distractor, ..., 12 reflection, 13 crowd).

Every problem found (wrong column count, a field that is not a finite
number, a frame outside ``1..seq_length``, an id used twice in one frame,
...) raises :class:`MOTFileError` whose message names the file and line.
"""

from __future__ import annotations

import configparser
import math
import os
import os.path as osp
import tempfile
from typing import Optional, Sequence

import numpy as np

#: MOTChallenge class ids (as TrackEval's ``MotChallenge2DBox`` names them).
MOT_CLASS_IDS = {
    "pedestrian": 1,
    "person_on_vehicle": 2,
    "car": 3,
    "bicycle": 4,
    "motorbike": 5,
    "non_mot_vehicle": 6,
    "static_person": 7,
    "distractor": 8,
    "occluder": 9,
    "occluder_on_ground": 10,
    "occluder_full": 11,
    "reflection": 12,
    "crowd": 13,
}

_SEQINFO_KEYS = ("name", "imDir", "frameRate", "seqLength", "imWidth", "imHeight", "imExt")

#: Column counts accepted per file kind (inclusive range).
_COLUMN_RANGE = {"result": (7, 10), "gt": (8, 10)}


class MOTFileError(ValueError):
    """A MOTChallenge file (or ``seqinfo.ini``) that cannot be evaluated."""


def _is_integral(value: float) -> bool:
    return float(value).is_integer()


def read_mot_txt(
    path: str,
    kind: str = "result",
    seq_length: Optional[int] = None,
    check_gt_classes: bool = True,
) -> np.ndarray:
    """Read and check one MOTChallenge text file.

    Args:
        path (str): The file.
        kind (str): ``'result'`` (7 to 10 columns; the class column, when
            present, must be ``<= 1`` as TrackEval requires) or ``'gt'``
            (8 to 10 columns).
        seq_length (int, optional): Number of frames of the sequence; frames
            must lie in ``1..seq_length``. ``None`` skips that check.
        check_gt_classes (bool): For ``kind='gt'``, require class ids in
            ``1..13`` (needed by TrackEval's MOTChallenge preprocessing; MOT15
            files carry ``-1`` there and are read with this off).

    Returns:
        np.ndarray: ``(N, C)`` float64 array, one row per line, ``C`` the
        file's column count (``(0, C_min)`` for an empty file).

    Raises:
        MOTFileError: naming ``path`` and the line of the first problem.
    """
    if kind not in _COLUMN_RANGE:
        raise ValueError(f"kind must be 'result' or 'gt', got {kind!r}")
    if not osp.isfile(path):
        raise MOTFileError(f"{path}: file not found")
    min_cols, max_cols = _COLUMN_RANGE[kind]
    rows: list[list[float]] = []
    num_cols: Optional[int] = None
    first_line: dict[tuple[int, int], int] = {}
    with open(path, encoding="utf-8") as f:
        for line_no, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line:
                continue
            fields = [x.strip() for x in line.split(",")]
            if len(fields) > 1 and fields[-1] == "":
                fields = fields[:-1]  # trailing comma
            where = f"{path}:{line_no}"
            if not min_cols <= len(fields) <= max_cols:
                raise MOTFileError(
                    f"{where}: expected {min_cols} to {max_cols} comma-separated columns "
                    f"for a MOTChallenge {kind} file, got {len(fields)}: {line!r}"
                )
            if num_cols is None:
                num_cols = len(fields)
            elif len(fields) != num_cols:
                raise MOTFileError(
                    f"{where}: {len(fields)} columns, but the first line of the file "
                    f"has {num_cols}: {line!r}"
                )
            values = []
            for col, field in enumerate(fields):
                try:
                    value = float(field)
                except ValueError:
                    raise MOTFileError(
                        f"{where}: column {col + 1} is not a number: {field!r}"
                    ) from None
                if not math.isfinite(value):
                    raise MOTFileError(f"{where}: column {col + 1} is not finite: {field!r}")
                values.append(value)
            frame, track_id, _, _, width, height = values[:6]
            if not _is_integral(frame) or frame < 1:
                raise MOTFileError(f"{where}: frame must be an integer >= 1, got {fields[0]!r}")
            if seq_length is not None and frame > seq_length:
                raise MOTFileError(
                    f"{where}: frame {int(frame)} is beyond the sequence length {seq_length}"
                )
            if not _is_integral(track_id) or track_id < 0:
                raise MOTFileError(f"{where}: id must be an integer >= 0, got {fields[1]!r}")
            if width < 0 or height < 0:
                raise MOTFileError(
                    f"{where}: box width and height must be >= 0, got {fields[4]!r}, {fields[5]!r}"
                )
            if kind == "result" and len(values) >= 8 and values[7] > 1:
                raise MOTFileError(
                    f"{where}: class column is {fields[7]!r}; only pedestrians (1, or -1 for "
                    "'unset') can be evaluated in a MOTChallenge result file"
                )
            if kind == "gt" and check_gt_classes:
                cls = values[7]
                if not _is_integral(cls) or not 1 <= cls <= len(MOT_CLASS_IDS):
                    raise MOTFileError(
                        f"{where}: class must be a MOTChallenge class id in 1..13, got "
                        f"{fields[7]!r}"
                    )
            key = (int(frame), int(track_id))
            if key in first_line:
                raise MOTFileError(
                    f"{where}: id {key[1]} appears twice in frame {key[0]} "
                    f"(first at line {first_line[key]})"
                )
            first_line[key] = line_no
            rows.append(values)
    if not rows:
        return np.zeros((0, min_cols), dtype=np.float64)
    return np.asarray(rows, dtype=np.float64)


def read_seqinfo(
    path: str, required: Sequence[str] = ("seqLength",), min_length: int = 1
) -> dict:
    """Read a MOTChallenge ``seqinfo.ini`` (the one reader of evaluation and converters).

    Keys are matched case-insensitively and returned in MOTChallenge's
    spelling (``name``, ``imDir``, ``frameRate``, ``seqLength``, ``imWidth``,
    ``imHeight``, ``imExt``); numeric ones are converted to int (``'25.0'``
    is accepted), ``imExt`` defaults to ``'.jpg'``.

    Args:
        path (str): The ``seqinfo.ini`` file.
        required (Sequence[str]): keys that must be present. Defaults to
            ``('seqLength',)``; the converters require all six of
            ``name, imDir, frameRate, seqLength, imWidth, imHeight``.
        min_length (int): smallest accepted ``seqLength``. Defaults to 1
            (the converters take 0 and report the empty image folder).

    Returns:
        dict: The ``[Sequence]`` section.

    Raises:
        MOTFileError: naming the file and the key, if the file, the section
            or a required key is missing, a number is not an integer, or
            ``seqLength`` is below ``min_length``.
    """
    if not osp.isfile(path):
        raise MOTFileError(f"{path}: file not found")
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as e:
        raise MOTFileError(f"{path}: cannot be parsed as an ini file: {e}") from None
    if "Sequence" not in parser:
        raise MOTFileError(f"{path}: has no [Sequence] section")
    section = parser["Sequence"]
    canonical = {k.lower(): k for k in _SEQINFO_KEYS}
    out: dict = {canonical.get(k, k): v.strip() for k, v in section.items()}
    for key in required:
        if key not in out:
            raise MOTFileError(f"{path}: [Sequence] has no {key}")
    for key in ("seqLength", "frameRate", "imWidth", "imHeight"):
        if key not in out:
            continue
        try:
            number = float(out[key])
        except ValueError:
            number = float("nan")
        if not np.isfinite(number) or number != int(number):
            raise MOTFileError(f"{path}: {key} must be an integer, got {out[key]!r}")
        out[key] = int(number)
    if "seqLength" in out and out["seqLength"] < min_length:
        raise MOTFileError(f"{path}: seqLength must be >= {min_length}, got {out['seqLength']}")
    out.setdefault("imExt", ".jpg")
    return out


def _atomic_write_text(path: str, text: str) -> None:
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp_", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def format_mot_results(tracks: np.ndarray) -> str:
    """Format tracks as a MOTChallenge result file (the test-server format).

    Args:
        tracks (np.ndarray): ``(N, 7)`` rows ``(frame, id, x1, y1, x2, y2,
            score)`` with 1-based frames and x1y1x2y2 pixel boxes.

    Returns:
        str: One line ``frame,id,left,top,width,height,score,-1,-1,-1`` per
        row (3 decimals, as MMTracking writes them), sorted by frame then id.
    """
    tracks = np.asarray(tracks, dtype=np.float64).reshape(-1, 7)
    order = np.lexsort((tracks[:, 1], tracks[:, 0]))
    lines = []
    for frame, track_id, x1, y1, x2, y2, score in tracks[order]:
        lines.append(
            f"{int(frame)},{int(track_id)},{x1:.3f},{y1:.3f},{x2 - x1:.3f},{y2 - y1:.3f},"
            f"{score:.3f},-1,-1,-1\n"
        )
    return "".join(lines)


def write_mot_results(path: str, tracks: np.ndarray) -> None:
    """Write tracks to ``path`` in MOTChallenge result format, atomically.

    Args:
        path (str): Output ``.txt`` file.
        tracks (np.ndarray): ``(N, 7)`` rows ``(frame, id, x1, y1, x2, y2,
            score)``; see :func:`format_mot_results`.

    Raises:
        MOTFileError: when an id appears twice in one frame (the servers and
            TrackEval refuse such files), naming the line it would have had;
            nothing is written then.
    """
    tracks = np.asarray(tracks, dtype=np.float64).reshape(-1, 7)
    keys = tracks[np.lexsort((tracks[:, 1], tracks[:, 0]))][:, :2].astype(np.int64)
    dup = (keys[1:] == keys[:-1]).all(axis=1).nonzero()[0]
    if len(dup):
        line = int(dup[0]) + 2  # 1-based line of the second occurrence
        frame, track_id = keys[line - 1]
        raise MOTFileError(
            f"{path}:{line}: id {track_id} appears twice in frame {frame} "
            f"(first at line {line - 1})"
        )
    _atomic_write_text(path, format_mot_results(tracks))


def write_mot_rows(path: str, rows: np.ndarray, int_columns: Sequence[int] = (0, 1)) -> None:
    """Write rows losslessly (``%.17g``) as comma-separated text, atomically.

    Used to hand already-checked data to TrackEval: every float64 value reads
    back bit-identical.

    Args:
        path (str): Output file.
        rows (np.ndarray): ``(N, C)`` array.
        int_columns (Sequence[int]): Columns written as integers.
    """
    rows = np.asarray(rows, dtype=np.float64)
    lines = []
    for row in rows:
        fields = [
            str(int(v)) if i in int_columns else format(float(v), ".17g")
            for i, v in enumerate(row)
        ]
        lines.append(",".join(fields) + "\n")
    _atomic_write_text(path, "".join(lines))
