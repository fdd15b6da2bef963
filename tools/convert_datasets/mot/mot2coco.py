"""Alias kept for the MMTracking 0.14 command line; runs the real converter in
``tools/dataset_converters/mot/mot2coco.py``."""

import os.path as osp
import runpy

runpy.run_path(
    osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'dataset_converters',
             'mot', osp.basename(__file__)),
    run_name='__main__')
