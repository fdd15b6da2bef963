"""Shared by the ImageNet VID/DET converters: class lists and strict XML parsing."""

from __future__ import annotations

import os.path as osp
import sys
import xml.etree.ElementTree as ET
from typing import Any, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from convert_utils import ConversionError, parse_number  # noqa: E402

#: The 30 ImageNet VID classes (ids 1..30 in this order).
VID_CLASSES = ('airplane', 'antelope', 'bear', 'bicycle', 'bird', 'bus', 'car', 'cattle', 'dog',
               'domestic_cat', 'elephant', 'fox', 'giant_panda', 'hamster', 'horse', 'lion',
               'lizard', 'monkey', 'motorcycle', 'rabbit', 'red_panda', 'sheep', 'snake',
               'squirrel', 'tiger', 'train', 'turtle', 'watercraft', 'whale', 'zebra')
#: WordNet ids of :data:`VID_CLASSES`, as used in the XML ``<name>`` tags.
VID_CLASS_WNIDS = ('n02691156', 'n02419796', 'n02131653', 'n02834778', 'n01503061', 'n02924116',
                   'n02958343', 'n02402425', 'n02084071', 'n02121808', 'n02503517', 'n02118333',
                   'n02510455', 'n02342885', 'n02374451', 'n02129165', 'n01674464', 'n02484322',
                   'n03790512', 'n02324045', 'n02509815', 'n02411705', 'n01726692', 'n02355227',
                   'n02129604', 'n04468005', 'n01662784', 'n04530566', 'n02062744', 'n02391049')
WNID_TO_ID = {wnid: i for i, wnid in enumerate(VID_CLASS_WNIDS, 1)}


def _text(node: ET.Element, tag: str, path: str, context: str) -> str:
    child = node.find(tag)
    if child is None or child.text is None:
        raise ConversionError(f'{path}: {context} misses field {tag!r}')
    return child.text.strip()


def parse_xml(path: str, need_track: bool) -> tuple[int, int, list[dict[str, Any]]]:
    """Parse an ImageNet (PASCAL-VOC style) XML annotation.

    Args:
        path (str): XML file.
        need_track (bool): Read ``trackid``, ``occluded`` and ``generated`` (VID).

    Returns:
        tuple: width, height and a list of objects ``{name, bbox: [x1, y1, x2, y2]
        (ints), trackid?, occluded?, generated?}``.

    Raises:
        ConversionError: Missing file or field, non-integer coordinate,
            inverted box; the message names file, object and field.
    """
    if not osp.isfile(path):
        raise ConversionError(f'{path}: file not found')
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise ConversionError(f'{path}: invalid XML ({e})') from None
    size = root.find('size')
    if size is None:
        raise ConversionError(f'{path}: missing field \'size\'')
    width = parse_number(_text(size, 'width', path, '<size>'), int, path, None, 'size/width')
    height = parse_number(_text(size, 'height', path, '<size>'), int, path, None, 'size/height')
    objects = []
    for k, obj in enumerate(root.findall('object')):
        ctx = f'object {k}'
        box_node = obj.find('bndbox')
        if box_node is None:
            raise ConversionError(f'{path}: {ctx} misses field \'bndbox\'')
        bbox = [
            parse_number(_text(box_node, t, path, ctx), int, path, None, f'{ctx}/bndbox/{t}')
            for t in ('xmin', 'ymin', 'xmax', 'ymax')
        ]
        if bbox[2] < bbox[0] or bbox[3] < bbox[1]:
            raise ConversionError(f'{path}: {ctx} box has negative size (xmin={bbox[0]}, '
                                  f'ymin={bbox[1]}, xmax={bbox[2]}, ymax={bbox[3]})')
        item: dict[str, Any] = dict(name=_text(obj, 'name', path, ctx), bbox=bbox)
        if need_track:
            item['trackid'] = _text(obj, 'trackid', path, ctx)
            item['occluded'] = _text(obj, 'occluded', path, ctx) == '1'
            item['generated'] = _text(obj, 'generated', path, ctx) == '1'
        objects.append(item)
    return width, height, objects


def check_image(data_root: Optional[str], rel_path: str, where: str) -> None:
    """If the image folder exists, require the listed image to be there."""
    if data_root is not None and not osp.isfile(osp.join(data_root, rel_path)):
        raise ConversionError(f'{where}: image {osp.join(data_root, rel_path)} is missing')
