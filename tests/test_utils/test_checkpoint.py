"""Safe checkpoint loading: mmengine checkpoints load and resume, pickled callables do not run."""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import checkpoint as mmckpt
from torch import nn

from mmtrack.utils import checkpoint as safe
from mmtrack.utils.checkpoint import (
    UnsafeCheckpointError,
    install_safe_loading,
    load_checkpoint,
    safe_torch_load,
)
from tests.helpers.toy import ToyTrackModel, build_toy_runner


@pytest.fixture(scope="module")
def mmengine_ckpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkpoint saved by mmengine's Runner after 2 training iterations."""
    work_dir = tmp_path_factory.mktemp("ckpt")
    runner = build_toy_runner(str(work_dir), {
        "train_cfg.max_iters": 2, "train_cfg.val_interval": 100,
        "default_hooks.checkpoint.interval": 2})
    runner.train()
    return work_dir / "iter_2.pth"


class _SystemCall:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _GetattrCall:
    def __reduce__(self):
        return (getattr, (HistoryBuffer, "__init__"))


@pytest.fixture()
def evil(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "PWNED"
    path = tmp_path / "evil.pth"
    torch.save({"state_dict": {"linear.bias": torch.zeros(1)}, "meta": _SystemCall(marker)}, path)
    return path, marker


def test_plain_torch_load_rejects_mmengine_checkpoint(mmengine_ckpt: Path) -> None:
    # The breakage this module exists for: torch >= 2.6 defaults to weights_only=True.
    with pytest.raises(pickle.UnpicklingError):
        torch.load(mmengine_ckpt)


def test_safe_load_restores_mmengine_checkpoint(mmengine_ckpt: Path) -> None:
    ckpt = safe_torch_load(mmengine_ckpt)
    assert ckpt["meta"]["iter"] == 2
    assert set(ckpt["state_dict"]) == {"linear.weight", "linear.bias"}
    lr_buffer = ckpt["message_hub"]["log_scalars"]["train/lr"]
    assert isinstance(lr_buffer, HistoryBuffer)
    np.testing.assert_array_equal(lr_buffer.data[0], np.array([0.1, 0.1]))
    assert lr_buffer.mean() == pytest.approx(0.1)  # statistics methods work after loading
    assert ckpt["optimizer"]["param_groups"][0]["momentum"] == 0.9


def test_numpy_values_round_trip(tmp_path: Path) -> None:
    values = {
        "f64": np.float64(1.25), "i64": np.int64(-3), "flag": np.bool_(True),
        "f32_array": np.arange(4, dtype=np.float32), "i32_dtype": np.dtype("int32"),
        "u8_array": np.array([[1, 2]], dtype=np.uint8), "strings": np.array(["a", "bc"]),
    }
    path = tmp_path / "np.pth"
    torch.save(values, path)
    loaded = safe_torch_load(path)
    for key, value in values.items():
        assert type(loaded[key]) is type(value), key
        np.testing.assert_array_equal(loaded[key], value)
        if isinstance(value, np.ndarray):
            assert loaded[key].dtype == value.dtype


def test_numpy1_global_names_accepted(tmp_path: Path) -> None:
    """Checkpoints written under numpy 1.x name numpy.core.multiarray, not numpy._core."""
    buffer = io.BytesIO()
    values = {"scalar": np.float64(2.5), "array": np.arange(3, dtype=np.int64)}
    torch.save(values, buffer, _use_new_zipfile_serialization=False)
    raw = buffer.getvalue()
    assert b"numpy._core.multiarray" in raw
    old = tmp_path / "numpy1.pth"
    old.write_bytes(raw.replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    loaded = safe_torch_load(old)
    assert loaded["scalar"] == 2.5 and type(loaded["scalar"]) is np.float64
    np.testing.assert_array_equal(loaded["array"], [0, 1, 2])


def test_pickled_callable_is_refused_and_not_run(evil: tuple[Path, Path]) -> None:
    path, marker = evil
    with pytest.raises(UnsafeCheckpointError) as exc:
        safe_torch_load(path)
    message = str(exc.value)
    assert f"refusing to load checkpoint '{path}'" in message
    assert f"the global '{os.system.__module__}.system'" in message
    assert not marker.exists()


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path: Path) -> None:
    path = tmp_path / "getattr.pth"
    torch.save({"x": _GetattrCall()}, path)
    with pytest.raises(UnsafeCheckpointError, match="getattr"):
        safe_torch_load(path)


def test_unknown_class_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cls.pth"
    torch.save({"model": nn.Linear(2, 1)}, path)  # a whole module, not a state dict
    with pytest.raises(UnsafeCheckpointError, match="torch.nn.modules.linear.Linear"):
        safe_torch_load(path)


def test_register_safe_globals(tmp_path: Path) -> None:
    path = tmp_path / "custom.pth"
    torch.save({"x": _Trusted(3)}, path)
    with pytest.raises(UnsafeCheckpointError, match="_Trusted"):
        safe_torch_load(path)
    safe.register_safe_globals([_Trusted])
    try:
        assert safe_torch_load(path)["x"].value == 3
    finally:
        safe._EXTRA_SAFE_GLOBALS.remove(_Trusted)


class _Trusted:
    def __init__(self, value: int) -> None:
        self.value = value


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="checkpoint file not found: .*nothing.pth"):
        safe_torch_load(tmp_path / "nothing.pth")


def test_install_is_idempotent_and_routes_mmengine() -> None:
    install_safe_loading()
    install_safe_loading()
    schemes = mmckpt.CheckpointLoader._schemes
    assert schemes[""] is safe.load_from_local
    assert schemes["https://"] is safe.load_from_http
    assert schemes["open-mmlab://"] is safe.load_from_openmmlab
    assert schemes["pavi://"] is safe.load_from_pavi
    assert mmckpt.load_from_http is safe.load_from_http
    assert list(schemes).count("") == 1


def _loaders(tmp_dir: Path):
    """Every way the project (through mmengine) loads a checkpoint file."""
    install_safe_loading()
    runner = build_toy_runner(str(tmp_dir / "runner"), {"train_cfg.max_iters": 2})
    return {
        "mmtrack.load_checkpoint": lambda f: load_checkpoint(ToyTrackModel(), str(f)),
        "mmengine.load_checkpoint": lambda f: mmckpt.load_checkpoint(ToyTrackModel(), str(f)),
        "mmengine._load_checkpoint": lambda f: mmckpt._load_checkpoint(str(f)),
        "CheckpointLoader": lambda f: mmckpt.CheckpointLoader.load_checkpoint(str(f)),
        "Runner.load_checkpoint": lambda f: runner.load_checkpoint(str(f)),
        "Runner.resume": lambda f: runner.resume(str(f)),
        "Pretrained init_cfg": lambda f: ToyTrackModel(
            init_cfg=dict(type="Pretrained", checkpoint=str(f))).init_weights(),
    }, runner


def test_every_loading_path_is_safe(mmengine_ckpt: Path, evil: tuple[Path, Path],
                                    tmp_path: Path) -> None:
    path, marker = evil
    loaders, runner = _loaders(tmp_path)
    for name, load in loaders.items():
        with pytest.raises(UnsafeCheckpointError, match="posix.system|nt.system"):
            load(path)
        assert not marker.exists(), name
    # ... and the same paths load a real mmengine checkpoint.
    expected = safe_torch_load(mmengine_ckpt)["state_dict"]
    model = ToyTrackModel()
    ckpt = load_checkpoint(model, str(mmengine_ckpt))
    assert ckpt["meta"]["iter"] == 2
    assert torch.equal(model.linear.weight.detach(), expected["linear.weight"])
    for name, load in loaders.items():
        load(mmengine_ckpt)  # no exception
    # Runner.resume (the last loader run) restored iteration and weights.
    assert runner.iter == 2
    assert torch.equal(runner.model.linear.bias.detach(), expected["linear.bias"])


# ---------------------------------------------------------------- strict loading
class _Net(nn.Module):
    def __init__(self, out: int = 3) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, out)


def _save(tmp_path: Path, state: dict, name: str = "net.pth") -> Path:
    path = tmp_path / name
    torch.save({"state_dict": state, "meta": {}}, path)
    return path


def test_strict_by_default_lists_every_mismatch_and_loads_nothing(tmp_path: Path) -> None:
    state = _Net(out=5).state_dict()  # fc: (5, 4) and (5,) instead of (3, 4) and (3,)
    del state["conv.bias"]
    state["extra.weight"] = torch.zeros(2)
    path = _save(tmp_path, state)
    model = _Net()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(safe.CheckpointMismatchError) as exc:
        load_checkpoint(model, str(path))
    msg = str(exc.value)
    assert msg.startswith(f"checkpoint {path} does not match the model _Net: ")
    assert "1 missing key(s) (in the model, not in the checkpoint): conv.bias;" in msg
    assert "1 unexpected key(s) (in the checkpoint, not in the model): extra.weight;" in msg
    assert ("2 shape mismatch(es): fc.weight: checkpoint (5, 4) vs model (3, 4), "
            "fc.bias: checkpoint (5,) vs model (3,)") in msg
    assert "strict=False" in msg
    for key, value in model.state_dict().items():  # nothing was copied
        assert torch.equal(value, before[key]), key


def test_strict_false_loads_the_matching_tensors(tmp_path: Path) -> None:
    source = _Net(out=5)
    state = source.state_dict()
    path = _save(tmp_path, state)
    model = _Net()
    fc_before = model.fc.weight.detach().clone()
    load_checkpoint(model, str(path), strict=False)
    assert torch.equal(model.conv.weight, source.conv.weight)
    assert torch.equal(model.fc.weight, fc_before)  # the reshaped head keeps its init


def test_strict_load_accepts_module_prefix_and_missing_bn_counter(tmp_path: Path) -> None:
    source = _Net()
    state = {f"module.{k}": v for k, v in source.state_dict().items()
             if not k.endswith("num_batches_tracked")}
    model = _Net()
    load_checkpoint(model, str(_save(tmp_path, state)))
    assert torch.equal(model.fc.weight, source.fc.weight)


def test_mmengine_strict_paths_check_first(tmp_path: Path) -> None:
    install_safe_loading()
    state = _Net(out=5).state_dict()
    path = _save(tmp_path, state)
    model = _Net()
    before = model.conv.weight.detach().clone()
    with pytest.raises(safe.CheckpointMismatchError, match=r"fc.bias: checkpoint \(5,\) vs model"):
        mmckpt.load_checkpoint(model, str(path), strict=True)
    assert torch.equal(model.conv.weight, before)  # mmengine would have copied conv first
    mmckpt.load_checkpoint(model, str(path), strict=False)  # lenient stays lenient
    assert not torch.equal(model.conv.weight, before)


def test_init_model_is_strict_by_default(tmp_path: Path) -> None:
    from mmengine.config import Config

    from mmtrack.apis import init_model

    cfg = Config(dict(model=dict(type="ToyTrackModel", in_features=2),
                      custom_imports=dict(imports=["tests.helpers.toy"])))
    path = _save(tmp_path, {"linear.weight": torch.ones(1, 3), "linear.bias": torch.ones(1)})
    with pytest.raises(safe.CheckpointMismatchError,
                       match=r"linear.weight: checkpoint \(1, 3\) vs model \(1, 2\)"):
        init_model(cfg, str(path), device="cpu")
    model = init_model(cfg, str(path), device="cpu", strict=False)
    assert torch.equal(model.linear.bias.detach(), torch.ones(1))


# ------------------------------------------------------- not a checkpoint at all
def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pth"
    path.write_bytes(b"")
    with pytest.raises(safe.NotACheckpointError) as exc:
        safe_torch_load(path)
    assert str(exc.value) == f"empty file: {path}"


@pytest.mark.parametrize("content", [
    pickle.dumps({"state_dict": {"a": 1}}),  # a plain pickle
    b"linear.weight 0.1 0.2\n",  # a text file
    b"PK\x03\x04 truncated zip",  # a damaged torch zip
])
def test_not_a_pytorch_checkpoint(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "weights.pth"
    path.write_bytes(content)
    with pytest.raises(safe.NotACheckpointError) as exc:
        safe_torch_load(path)
    assert str(exc.value).startswith(f"not a PyTorch checkpoint: {path} (")
    # also through mmengine's loaders and load_checkpoint
    with pytest.raises(safe.NotACheckpointError, match="not a PyTorch checkpoint"):
        load_checkpoint(ToyTrackModel(), str(path))


def test_plain_pickle_of_code_is_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(_SystemCall(marker)))
    with pytest.raises(safe.NotACheckpointError, match="nothing in it was executed"):
        safe_torch_load(path)
    assert not marker.exists()


def test_legacy_torch_format_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "legacy.pth"
    torch.save({"w": torch.arange(3)}, path, _use_new_zipfile_serialization=False)
    assert torch.equal(safe_torch_load(path)["w"], torch.arange(3))
    buffer = io.BytesIO(b"")
    with pytest.raises(safe.NotACheckpointError, match="empty file: <in-memory checkpoint>"):
        safe_torch_load(buffer)
