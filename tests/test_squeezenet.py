"""Tests of starter.squeezenet: weights IO, shapes, gradients, and agreement with PyTorch.

The PyTorch reference (``TorchSqueezeNet``) is written independently of the numpy code:
it reads the HDF5 file with h5py itself, permutes the Keras kernels with torch, and uses
``torch.nn.functional.conv2d`` / ``max_pool2d`` / ``torch.cat`` with autograd. Tests that
need it are marked ``torch`` and skipped when PyTorch is absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from starter.data import DatasetError
from starter.gradient_check import eval_numerical_gradient_array
from starter.images import load_image, preprocess
from starter.squeezenet import (
    LAYER_NAMES,
    PARAM_SHAPES,
    SqueezeNet,
    fire_backward,
    fire_forward,
)

REPO = Path(__file__).resolve().parent.parent
WEIGHTS = REPO / "datasets" / "squeezenet" / "squeezenet1_1.h5"
FIRES = {"fire2": (16, 64), "fire3": (16, 64), "fire4": (32, 128), "fire5": (32, 128),
         "fire6": (48, 192), "fire7": (48, 192), "fire8": (64, 256), "fire9": (64, 256)}  # fmt: skip


def max_rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| relative to the largest |b| of the tensor (scale-aware, robust to zeros)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))


@pytest.fixture(scope="module")
def model() -> SqueezeNet:
    return SqueezeNet.from_file()


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    """Two deterministic 'natural-ish' images, preprocessed: (2, 3, 67, 75)."""
    rng = np.random.default_rng(0)
    # Smooth random fields (cumulative sums) look more like photos than white noise.
    raw = rng.normal(size=(2, 67, 75, 3)).cumsum(axis=1).cumsum(axis=2)
    raw = (raw - raw.min()) / (raw.max() - raw.min()) * 255
    return preprocess(raw.astype(np.uint8))


# ---------------------------------------------------------------------------------------
# Independent PyTorch reference
# ---------------------------------------------------------------------------------------


def torch_reference(path: Path = WEIGHTS):
    """A hand-written torch SqueezeNet 1.1 loaded from the HDF5 file (returns an nn.Module)."""
    import torch
    import torch.nn.functional as F

    class TorchSqueezeNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.convs = torch.nn.ParameterDict()
            with h5py.File(path, "r") as f:
                for group in ["conv1"] + [f"{fi}/{c}" for fi in FIRES
                                          for c in ("squeeze1x1", "expand1x1", "expand3x3")]:  # fmt: skip
                    kernel = torch.from_numpy(np.array(f[group]["kernel"]))  # (kh, kw, cin, cout)
                    key = group.replace("/", "_")
                    self.convs[key + "_w"] = torch.nn.Parameter(kernel.permute(3, 2, 0, 1).contiguous())
                    self.convs[key + "_b"] = torch.nn.Parameter(torch.from_numpy(np.array(f[group]["bias"])))

        def conv(self, x, key, stride=1, padding=0):
            return F.conv2d(x, self.convs[key + "_w"], self.convs[key + "_b"], stride=stride, padding=padding)

        def fire(self, x, name):
            s = F.relu(self.conv(x, f"{name}_squeeze1x1"))
            return torch.cat([F.relu(self.conv(s, f"{name}_expand1x1")),
                              F.relu(self.conv(s, f"{name}_expand3x3", padding=1))], dim=1)  # fmt: skip

        def forward(self, x, upto: int = len(LAYER_NAMES) - 1):
            """Returns the list of the layer outputs up to index ``upto``, in LAYER_NAMES order."""
            outs = [self.conv(x, "conv1", stride=2)]
            outs.append(F.relu(outs[-1]))
            outs.append(F.max_pool2d(outs[-1], 3, 2))  # floor mode, as Keras "valid"
            for name in LAYER_NAMES[3 : upto + 1]:
                if name.startswith("pool"):
                    outs.append(F.max_pool2d(outs[-1], 3, 2))
                else:
                    outs.append(self.fire(outs[-1], name))
            return outs[: upto + 1]

    return TorchSqueezeNet()


# ---------------------------------------------------------------------------------------
# Weights and shapes
# ---------------------------------------------------------------------------------------


def test_weights_loaded_in_pytorch_layout(model: SqueezeNet) -> None:
    assert set(model.params) == set(PARAM_SHAPES)
    with h5py.File(WEIGHTS, "r") as f:
        kernel = np.array(f["fire5/expand3x3/kernel"])  # (kh, kw, cin, cout)
    w = model.params["fire5/expand3x3/w"]
    assert w.shape == (128, 32, 3, 3) and w.dtype == np.float32
    # Element (cout=7, cin=5, kh=2, kw=0) is Keras' [2, 0, 5, 7].
    assert w[7, 5, 2, 0] == kernel[2, 0, 5, 7]
    assert model.params["conv1/w"].shape == (64, 3, 3, 3)


def test_layer_shapes_at_224(model: SqueezeNet) -> None:
    x = np.zeros((1, 3, 224, 224), np.float32)
    acts, _ = model.forward(x, return_activations=True)
    assert list(acts) == list(LAYER_NAMES)
    sizes = {"conv1": 111, "pool1": 55, "fire3": 55, "pool3": 27, "fire5": 27, "pool5": 13, "fire9": 13}
    for name, size in sizes.items():
        assert acts[name].shape[2:] == (size, size), name
    assert acts["fire9"].shape == (1, 512, 13, 13)
    assert acts[3] is acts["fire2"] and acts[-1] is acts["fire9"]
    assert model.output_shape((5, 3, 224, 224), "fire5") == (5, 256, 27, 27)


def test_input_checks(model: SqueezeNet) -> None:
    with pytest.raises(TypeError, match="preprocess"):
        model.forward(np.zeros((1, 3, 64, 64), np.uint8))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        model.forward(np.zeros((1, 64, 64, 3), np.float32))
    with pytest.raises(ValueError, match="too small"):
        model.forward(np.zeros((1, 3, 30, 30), np.float32))
    model.forward(np.zeros((1, 3, 31, 31), np.float32))  # the smallest that reaches fire9
    with pytest.raises(ValueError, match="unknown layer"):
        model.forward(np.zeros((1, 3, 64, 64), np.float32), upto="fire10")


def test_forward_is_deterministic_and_side_effect_free(model: SqueezeNet, images: np.ndarray) -> None:
    before = {k: v.copy() for k, v in model.params.items()}
    x = images.copy()
    out1, _ = model.forward(images)
    out2, _ = model.forward(images)
    np.testing.assert_array_equal(out1, out2)
    np.testing.assert_array_equal(images, x)
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, before[k])


def test_start_resumes_a_forward_pass(model: SqueezeNet, images: np.ndarray) -> None:
    acts, _ = model.forward(images, return_activations=True)
    out, _ = model.forward(acts["fire7"], start="fire8")
    assert max_rel_error(out, acts["fire9"]) < 1e-6
    with pytest.raises(ValueError, match="fire8"):
        model.forward(images, start="fire8")


def test_features_batches_and_pools(model: SqueezeNet, images: np.ndarray) -> None:
    full, _ = model.forward(images)
    feats = model.features(images, batch_size=1, pool="avg")
    assert feats.shape == (2, 512)
    # Batching changes the float32 summation order, hence a scale-aware tolerance.
    assert max_rel_error(feats, full.mean(axis=(2, 3))) < 1e-5


def test_missing_weights_file_raises_helpful_error(tmp_path, monkeypatch) -> None:
    (tmp_path / "squeezenet").mkdir()
    shutil.copy(REPO / "datasets" / "squeezenet" / "SHA256SUMS", tmp_path / "squeezenet")
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    with pytest.raises(DatasetError, match=r"squeezenet1_1\.h5.*missing"):
        SqueezeNet.from_file()


def test_corrupt_weights_file_raises_helpful_error(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "squeezenet"
    shutil.copytree(REPO / "datasets" / "squeezenet", folder)
    data = bytearray((folder / "squeezenet1_1.h5").read_bytes())
    data[len(data) // 2] ^= 0xFF  # flip one byte in the middle of the weights
    (folder / "squeezenet1_1.h5").write_bytes(bytes(data))
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    with pytest.raises(DatasetError, match="corrupted"):
        SqueezeNet.from_file()


def test_explicit_path_with_wrong_contents(tmp_path) -> None:
    not_h5 = tmp_path / "weights.h5"
    not_h5.write_bytes(b"this is not HDF5")
    with pytest.raises(DatasetError, match="HDF5"):
        SqueezeNet.from_file(not_h5)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["conv1/kernel"] = np.zeros((3, 3, 3, 64), np.float32)
    with pytest.raises(DatasetError, match="no dataset"):
        SqueezeNet.from_file(other)


# ---------------------------------------------------------------------------------------
# Gradients (torch-free)
# ---------------------------------------------------------------------------------------


def test_fire_module_numeric_gradients() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 4, 5, 5))
    ws, bs = rng.normal(size=(3, 4, 1, 1)), rng.normal(size=3)
    w1, b1 = rng.normal(size=(2, 3, 1, 1)), rng.normal(size=2)
    w3, b3 = rng.normal(size=(2, 3, 3, 3)), rng.normal(size=2)
    args = [x, ws, bs, w1, b1, w3, b3]
    out, cache = fire_forward(*args)
    assert out.shape == (2, 4, 5, 5) and out.dtype == np.float64
    dout = rng.normal(size=out.shape)
    analytic = fire_backward(dout, cache)
    for k, (arg, grad) in enumerate(zip(args, analytic, strict=True)):
        assert grad.shape == arg.shape

        def f(_, k=k):
            return fire_forward(*args)[0]

        numeric = eval_numerical_gradient_array(f, args[k], dout)
        rel = np.abs(grad - numeric).max() / max(np.abs(numeric).max(), 1e-8)
        assert rel < 1e-6, f"fire_backward gradient #{k}: max relative error {rel:.2e}"


def test_starter_gives_no_global_average_pooling_backward() -> None:
    """Pooling and its backward are the students' first TODO of part 5: starter must not hand them out."""
    import starter.squeezenet as squeezenet

    assert not [name for name in dir(squeezenet) if "avg_pool" in name]


def test_backward_options(model: SqueezeNet, images: np.ndarray) -> None:
    rng = np.random.default_rng(3)
    acts, cache = model.forward(images, return_activations=True)
    g9 = rng.normal(size=acts["fire9"].shape).astype(np.float32)
    g3 = rng.normal(size=acts[3].shape).astype(np.float32)
    g1 = rng.normal(size=acts["relu_conv1"].shape).astype(np.float32)
    kept = [g.copy() for g in (g1, g3, g9)]
    model.backward({"relu_conv1": g1}, cache)
    # Gradients at two layers add up: backward({3, fire9}) == backward(fire9) + backward({3}).
    dx_both, _ = model.backward({"fire9": g9, 3: g3}, cache, trainable=())
    dx9, _ = model.backward(g9, cache, trainable=())
    dx3, _ = model.backward({"fire2": g3}, cache, trainable=())
    np.testing.assert_allclose(dx_both, dx9 + dx3, rtol=1e-4, atol=1e-4 * np.abs(dx_both).max())
    # Fine-tuning: only fire9's parameters, no dx; same values as the full backward.
    dx_none, grads9 = model.backward(g9, cache, trainable=["fire9"], need_dx=False)
    assert dx_none is None
    assert sorted(grads9) == sorted(k for k in PARAM_SHAPES if k.startswith("fire9/"))
    _, all_grads = model.backward(g9, cache)
    assert set(all_grads) == set(PARAM_SHAPES)
    for k, v in grads9.items():
        np.testing.assert_allclose(v, all_grads[k], rtol=1e-5, atol=1e-6)
    for g, k in zip((g1, g3, g9), kept, strict=True):  # upstream gradients left untouched
        np.testing.assert_array_equal(g, k)
    with pytest.raises(ValueError, match="shape"):
        model.backward(g9[:1], cache)
    _, short_cache = model.forward(images, upto="fire5")
    with pytest.raises(ValueError, match="did not run"):
        model.backward({"fire9": g9}, short_cache)


# ---------------------------------------------------------------------------------------
# Agreement with PyTorch
# ---------------------------------------------------------------------------------------


@pytest.mark.torch
def test_activations_match_torch(model: SqueezeNet) -> None:
    torch = pytest.importorskip("torch")
    # float64 reference: the numpy float32 model agrees with it to ~1e-6, while torch's own
    # float32 path differs from it by up to ~1e-3 in gradients (near-ties in max pools).
    ref = torch_reference().double()
    rng = np.random.default_rng(4)
    photos = preprocess(np.stack([load_image("chelsea", (96, 112)), load_image("rocket", (96, 112))]))
    # Odd sizes exercise the rounding of every pool; photos have flat regions and ties.
    inputs = [(rng.normal(size=shape) * 60).astype(np.float32) for shape in [(2, 3, 96, 96), (1, 3, 71, 83)]]
    for x in [*inputs, photos]:
        acts, _ = model.forward(x, return_activations=True)
        with torch.no_grad():
            expected = ref(torch.from_numpy(x).double())
        for name, exp in zip(LAYER_NAMES, expected, strict=True):
            assert acts[name].shape == tuple(exp.shape), name
            err = max_rel_error(acts[name], exp.numpy())
            assert err < 1e-4, f"{name} at input {x.shape}: relative error {err:.2e}"


def _torch_backward(ref, x: np.ndarray, upstream: dict[str, np.ndarray]):
    """Gradient of sum_k <layer_k(x), upstream_k> in the float64 torch reference."""
    import torch

    xt = torch.from_numpy(x).double().requires_grad_(True)
    outs = ref(xt)
    loss = sum((outs[LAYER_NAMES.index(k)] * torch.from_numpy(g).double()).sum() for k, g in upstream.items())
    loss.backward()
    return xt.grad.numpy()


@pytest.mark.torch
def test_backward_matches_torch_autograd(model: SqueezeNet) -> None:
    pytest.importorskip("torch")
    ref = torch_reference().double()
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(2, 3, 64, 72)) * 60).astype(np.float32)
    acts, cache = model.forward(x, return_activations=True)
    upstream = {name: rng.normal(size=acts[name].shape).astype(np.float32)
                for name in ("relu_conv1", "fire3", "fire5", "fire9")}  # fmt: skip
    dx, grads = model.backward(upstream, cache)
    err = max_rel_error(dx, _torch_backward(ref, x, upstream))
    assert err < 1e-4, f"dx: relative error {err:.2e}"
    for name in ("conv1", "fire2", "fire9"):
        for key in [k for k in PARAM_SHAPES if k.startswith(name + "/")]:
            conv, kind = key.rsplit("/", 1)
            tkey = conv.replace("/", "_") + ("_w" if kind == "w" else "_b")
            err = max_rel_error(grads[key], ref.convs[tkey].grad.numpy())
            assert err < 1e-4, f"{key}: relative error {err:.2e}"


@pytest.mark.torch
def test_backward_on_photos_matches_torch_except_pool_ties(model: SqueezeNet) -> None:
    """On photos, saturated or flat patches give max-pool windows whose maxima tie exactly
    in exact arithmetic; float rounding breaks such ties differently in each implementation,
    and the gradient of those few windows then goes to a neighbouring position. Everywhere
    else dx must agree."""
    pytest.importorskip("torch")
    ref = torch_reference().double()
    rng = np.random.default_rng(6)
    x = preprocess(np.stack([load_image("coffee", (64, 72)), load_image("astronaut", (64, 72))]))
    acts, cache = model.forward(x, return_activations=True)
    upstream = {name: rng.normal(size=acts[name].shape).astype(np.float32) for name in ("fire3", "fire9")}
    dx, _ = model.backward(upstream, cache, trainable=())
    expected = _torch_backward(ref, x, upstream)
    off = np.abs(dx - expected) > 1e-4 * np.abs(expected).max()
    assert off.mean() < 0.01, f"dx differs from torch at {off.mean():.2%} of the input positions"
