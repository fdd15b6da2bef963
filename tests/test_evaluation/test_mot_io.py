"""Reading and checking MOTChallenge files: every problem names file and line."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mmtrack.evaluation.functional import (
    MOTFileError,
    format_mot_results,
    read_mot_txt,
    read_seqinfo,
    write_mot_rows,
)

GOOD = "1,1,10,20,30,40,0.9,-1,-1,-1\n2,1,11,20,30,40,0.8,-1,-1,-1\n"


def write(tmp_path, text, name="seq.txt"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_reads_good_file(tmp_path):
    rows = read_mot_txt(write(tmp_path, GOOD + "\n"), "result", seq_length=2)
    expected = [[1, 1, 10, 20, 30, 40, 0.9], [2, 1, 11, 20, 30, 40, 0.8]]
    np.testing.assert_array_equal(rows[:, :7], expected)
    empty = read_mot_txt(write(tmp_path, "", "empty.txt"), "result", seq_length=2)
    assert empty.shape == (0, 7)


@pytest.mark.parametrize(
    "text, line, pattern",
    [
        # wrong column count
        (GOOD + "3,1,10,20,30\n", 3, "expected 7 to 10 comma-separated columns.*got 5"),
        ("1,1,10,20,30,40,0.9,-1,-1,-1,5,5\n", 1, "got 12"),
        # rows of different lengths
        (GOOD + "3,2,1,1,1,1,0.5\n", 3, "7 columns, but the first line of the file has 10"),
        # non-numeric field
        (GOOD + "3,1,ten,20,30,40,0.9,-1,-1,-1\n", 3, "column 3 is not a number: 'ten'"),
        ("1,1,10,20,30,40,nan,-1,-1,-1\n", 1, "column 7 is not finite"),
        # frame beyond the sequence
        (GOOD + "9,1,10,20,30,40,0.9,-1,-1,-1\n", 3, "frame 9 is beyond the sequence length 5"),
        ("0,1,10,20,30,40,0.9,-1,-1,-1\n", 1, "frame must be an integer >= 1"),
        ("1.5,1,10,20,30,40,0.9,-1,-1,-1\n", 1, "frame must be an integer"),
        # duplicate id in one frame
        (GOOD + "2,1,5,5,5,5,0,-1,-1,-1\n", 3, r"id 1 appears twice in frame 2 \(first at line 2"),
        ("1,-3,10,20,30,40,0.9,-1,-1,-1\n", 1, "id must be an integer >= 0"),
        ("1,1,10,20,-30,40,0.9,-1,-1,-1\n", 1, "width and height must be >= 0"),
        ("1,1,10,20,30,40,0.9,3,-1,-1\n", 1, "only pedestrians"),
    ],
)
def test_bad_result_files(tmp_path, text, line, pattern):
    path = write(tmp_path, text)
    with pytest.raises(MOTFileError, match=re.escape(f"{path}:{line}: ") + ".*" + pattern):
        read_mot_txt(path, "result", seq_length=5)


def test_bad_gt_files(tmp_path):
    path = write(tmp_path, "1,1,10,20,30,40,1\n", "gt.txt")
    with pytest.raises(MOTFileError, match=re.escape(f"{path}:1: ") + "expected 8 to 10"):
        read_mot_txt(path, "gt")
    path = write(tmp_path, "1,1,10,20,30,40,1,14,1.0\n", "gt2.txt")
    with pytest.raises(MOTFileError, match=re.escape(f"{path}:1: ") + "class must be"):
        read_mot_txt(path, "gt")
    # MOT15 gt has -1 in the class column: accepted without the class check
    rows = read_mot_txt(write(tmp_path, "1,1,10,20,30,40,1,-1,-1,-1\n", "gt3.txt"), "gt",
                        check_gt_classes=False)
    assert rows.shape == (1, 10)
    with pytest.raises(MOTFileError, match="file not found"):
        read_mot_txt(str(tmp_path / "missing.txt"))


def test_seqinfo(tmp_path):
    ini = write(tmp_path, "[Sequence]\nname=A\nseqLength=12\nimWidth=64\nimHeight=48\n", "a.ini")
    info = read_seqinfo(ini)
    assert info["seqLength"] == 12 and info["imWidth"] == 64 and info["name"] == "A"
    bad = write(tmp_path, "[Sequence]\nname=A\n", "b.ini")
    with pytest.raises(MOTFileError, match=re.escape(bad) + ".*no seqLength"):
        read_seqinfo(bad)
    bad = write(tmp_path, "[Sequence]\nseqLength=ten\n", "c.ini")
    with pytest.raises(MOTFileError, match="seqLength must be an integer"):
        read_seqinfo(bad)


def test_lossless_rows_and_server_format(tmp_path):
    rows = np.array([[3, 7, 0.1, 1 / 3, 2e-7, 12345.678901234567, 0.3, 1, 0.25]])
    path = str(tmp_path / "rows.txt")
    write_mot_rows(path, rows)
    back = read_mot_txt(path, "gt")
    assert back.tobytes() == rows.tobytes()
    text = format_mot_results(np.array([[2, 4, 10, 20, 40, 60, 0.5], [1, 9, 0, 0, 1.5, 2.25, 1.0]]))
    assert text == (
        "1,9,0.000,0.000,1.500,2.250,1.000,-1,-1,-1\n"
        "2,4,10.000,20.000,30.000,40.000,0.500,-1,-1,-1\n"
    )


def test_seqinfo_one_reader_for_converters(tmp_path):
    """The converters' read_seqinfo is this reader with every field required."""
    from tests.helpers.tools import load_tool

    convert_utils = load_tool("tools/dataset_converters/convert_utils.py")
    ini = write(
        tmp_path,
        "[Sequence]\nname=A\nimdir=img1\nframeRate=25.0\nseqLength=3\nimWidth=8\nimHeight=6\n",
        "a.ini",
    )
    info = convert_utils.read_seqinfo(ini)
    assert info == dict(
        name="A", imDir="img1", frameRate=25, seqLength=3, imWidth=8, imHeight=6, imExt=".jpg"
    )
    assert read_seqinfo(ini) == info
    bad = write(tmp_path, "[Sequence]\nname=A\nseqLength=3\n", "b.ini")
    assert read_seqinfo(bad)["seqLength"] == 3  # evaluation needs only the length
    with pytest.raises(convert_utils.ConversionError, match=re.escape(bad) + ".*no imDir"):
        convert_utils.read_seqinfo(bad)
    bad = write(tmp_path, "[Sequence]\nseqLength=2.5\n", "c.ini")
    with pytest.raises(MOTFileError, match=r"seqLength must be an integer, got '2\.5'"):
        read_seqinfo(bad)
