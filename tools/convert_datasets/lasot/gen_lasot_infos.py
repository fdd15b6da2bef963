"""Alias kept for the MMTracking 0.14 command line (``tools/convert_datasets/...``);
runs the real script of the same name under ``tools/dataset_converters/``."""

import os.path as osp
import runpy

_here = osp.dirname(osp.abspath(__file__))
runpy.run_path(
    osp.join(osp.dirname(osp.dirname(_here)), 'dataset_converters', osp.basename(_here),
             osp.basename(__file__)),
    run_name='__main__')
