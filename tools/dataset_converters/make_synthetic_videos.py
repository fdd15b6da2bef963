"""Write deterministic synthetic videos in the layout of a real benchmark.

Examples::

    # MOTChallenge layout (then: mot2coco.py -i data/SYN -o data/SYN/annotations)
    python tools/dataset_converters/make_synthetic_videos.py --out data/SYN --task mot
    # LaSOT-like single object tracking sequences
    python tools/dataset_converters/make_synthetic_videos.py --out data/syn_sot --task sot
    # YouTube-VIS-like videos with instance masks
    python tools/dataset_converters/make_synthetic_videos.py --out data/syn_vis --task vis
"""

from __future__ import annotations

import argparse
from typing import Optional

from mmtrack.datasets.synthetic import (
    FrameDegradation,
    generate_mot_sequences,
    generate_sot_sequences,
    generate_vis_videos,
)


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Generate synthetic videos.')
    parser.add_argument('--out', required=True, help='output data set root')
    parser.add_argument('--task', choices=['mot', 'sot', 'vis'], default='mot')
    parser.add_argument('--num-seqs', type=int, default=None,
                        help='number of sequences/videos (default: 2 per split)')
    parser.add_argument('--num-frames', type=int, default=None,
                        help='frames per sequence (default: mot 30, sot 40, vis 10)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--img-size', type=int, nargs=2, default=(160, 256),
                        metavar=('H', 'W'), help='image height and width')
    parser.add_argument('--splits', nargs='+', default=None,
                        help='mot: splits to write (default: train test); '
                        'vis: (default: train)')
    parser.add_argument('--max-objects', type=int, default=6, help='mot/vis: objects at once')
    parser.add_argument('--degrade-every', type=int, default=0,
                        help='vis: blur and partly occlude every n-th frame '
                        '(FrameDegradation, blur 9 px, half of each box; 0: off)')
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> None:
    args = parse_args(argv)
    img_size = tuple(args.img_size)
    num = args.num_seqs or 2
    if args.task == 'mot':
        for split in args.splits or ['train', 'test']:
            paths = generate_mot_sequences(
                args.out, split=split, num_seqs=num, num_frames=args.num_frames or 30,
                img_size=img_size, max_objects=args.max_objects, seed=args.seed)
            print(f'{split}: wrote {len(paths)} sequences under {args.out}/{split}')
    elif args.task == 'sot':
        paths = generate_sot_sequences(args.out, num_seqs=num, num_frames=args.num_frames or 40,
                                       img_size=img_size, seed=args.seed)
        print(f'wrote {len(paths)} sequences under {args.out}')
    else:
        degradation = (FrameDegradation(every=args.degrade_every)
                       if args.degrade_every else None)
        for split in args.splits or ['train']:
            path = generate_vis_videos(args.out, split=split, num_videos=num,
                                       num_frames=args.num_frames or 10, img_size=img_size,
                                       max_objects=args.max_objects, seed=args.seed,
                                       degradation=degradation)
            print(f'{split}: wrote {num} videos, annotations in {path}')


if __name__ == '__main__':
    main()
