import itertools

import pytest
from torch.utils.data import SequentialSampler

from mmtrack.registry import DATA_SAMPLERS, DATASETS
from tests.helpers.data import make_cocovid


class FakeVideos:
    """Videos of the given lengths; key frames every other frame in training."""

    def __init__(self, lengths, test_mode, shapes=None):
        self.lengths = list(lengths)
        self.test_mode = test_mode
        self.shapes = shapes or [(10, 20)] * len(lengths)

    def __len__(self):
        return len(self.lengths)

    def get_len_per_video(self, i):
        return self.lengths[i]

    def get_key_frame_inds(self, i):
        return list(range(0, self.lengths[i], 2))

    def get_video_shape(self, i):
        return self.shapes[i]


LENGTHS = [5, 3, 4, 1, 2]
ALL_FRAMES = [(v, f) for v, n in enumerate(LENGTHS) for f in range(n)]


def build(dataset, **kw):
    return DATA_SAMPLERS.build(
        dict(type="TrackImgSampler", seed=0, **kw), default_args=dict(dataset=dataset)
    )


@pytest.mark.parametrize(
    "world_size, expected_videos",
    [
        (1, [[0, 1, 2, 3, 4]]),
        # 5 videos over 2 ranks: 3 + 2; over 3 ranks: 2 + 2 + 1
        (2, [[0, 1, 2], [3, 4]]),
        (3, [[0, 1], [2, 3], [4]]),
    ],
)
def test_test_mode_splits_whole_videos(world_size, expected_videos):
    ds = FakeVideos(LENGTHS, test_mode=True)
    per_rank = [list(build(ds, rank=r, world_size=world_size)) for r in range(world_size)]
    # every frame exactly once over all ranks, nothing padded
    merged = list(itertools.chain(*per_rank))
    assert sorted(merged) == ALL_FRAMES and len(merged) == len(ALL_FRAMES)
    for r, indices in enumerate(per_rank):
        # each rank holds whole videos, frames in order
        assert indices == [(v, f) for v in expected_videos[r] for f in range(LENGTHS[v])]
        assert len(build(ds, rank=r, world_size=world_size)) == sum(
            LENGTHS[v] for v in expected_videos[r]
        )


def test_test_mode_with_real_dataset(tmp_path):
    root = str(tmp_path)
    ds = DATASETS.build(
        dict(
            type="BaseVideoDataset",
            ann_file=make_cocovid(root, video_lengths=(3, 2, 2), write_images=False),
            data_prefix=dict(img_path=root),
            test_mode=True,
        )
    )
    per_rank = [list(build(ds, rank=r, world_size=2)) for r in range(2)]
    assert per_rank == [[(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)], [(2, 0), (2, 1)]]


def test_more_ranks_than_videos():
    with pytest.raises(ValueError, match="5 videos"):
        build(FakeVideos(LENGTHS, test_mode=True), rank=0, world_size=6)


@pytest.mark.parametrize("world_size", [1, 2, 3])
def test_train_mode_shuffles_key_frames(world_size):
    ds = FakeVideos(LENGTHS, test_mode=False)
    keys = [(v, f) for v, n in enumerate(LENGTHS) for f in range(0, n, 2)]  # 8 key frames
    per_rank = [list(build(ds, rank=r, world_size=world_size)) for r in range(world_size)]
    num = -(-len(keys) // world_size)
    assert all(len(p) == num for p in per_rank)
    merged = list(itertools.chain(*per_rank))
    assert set(merged) == set(keys)
    assert len(merged) - len(set(merged)) == num * world_size - len(keys)  # padding only
    sampler = build(ds, rank=0, world_size=1)
    first = list(sampler)
    sampler.set_epoch(1)
    assert sorted(list(sampler)) == sorted(first) and list(sampler) != first


def test_video_sampler_and_entire_video_batches():
    ds = FakeVideos(LENGTHS, test_mode=True)
    sampler = DATA_SAMPLERS.build(
        dict(type="VideoSampler", rank=1, world_size=2), default_args=dict(dataset=ds)
    )
    assert list(sampler) == [(3, 0), (4, 0), (4, 1)] and sampler.num_videos == 2
    batches = DATA_SAMPLERS.build(
        dict(type="EntireVideoBatchSampler"), default_args=dict(sampler=sampler)
    )
    assert list(batches) == [[(3, 0)], [(4, 0), (4, 1)]] and len(batches) == 2
    with pytest.raises(ValueError, match="testing only"):
        DATA_SAMPLERS.build(
            dict(type="VideoSampler"), default_args=dict(dataset=FakeVideos([1], False))
        )


def test_aspect_ratio_batches():
    # videos 0 and 2 are portrait (w < h), 1 and 3 landscape
    ds = FakeVideos([1, 1, 1, 1], test_mode=True, shapes=[(20, 10), (10, 20), (30, 10), (10, 30)])
    sampler = build(ds, rank=0, world_size=1)
    batches = DATA_SAMPLERS.build(
        dict(type="TrackAspectRatioBatchSampler", batch_size=2), default_args=dict(sampler=sampler)
    )
    assert list(batches) == [[(0, 0), (2, 0)], [(1, 0), (3, 0)]]
    assert len(batches) == 2
    plain = DATA_SAMPLERS.build(
        dict(type="TrackAspectRatioBatchSampler", batch_size=3, drop_last=True),
        default_args=dict(sampler=SequentialSampler(range(4))),
    )
    plain.sampler.dataset = ds
    # no bucket fills up; the leftovers [0, 2] + [1, 3] give one full batch, [3] is dropped
    assert list(plain) == [[0, 2, 1]] and len(plain) == 1
