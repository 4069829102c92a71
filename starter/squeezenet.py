"""SqueezeNet 1.1 (ImageNet-pretrained feature extractor) in numpy, with forward and backward.

The architecture is the one the shipped weights were trained with (the Keras port
DeepCognition/keras-squeezenet, see ``datasets/squeezenet/CARD.md``)::

    conv1   3x3 conv, 64 filters, stride 2, no padding      (N, 64, H1, W1)
    relu_conv1                                              (N, 64, H1, W1)
    pool1   3x3 max pool, stride 2, no padding, rounded down (N, 64, H2, W2)
    fire2, fire3                                            (N, 128, H2, W2)
    pool3                                                   (N, 128, H3, W3)
    fire4, fire5                                            (N, 256, H3, W3)
    pool5                                                   (N, 256, H4, W4)
    fire6, fire7                                            (N, 384, H4, W4)
    fire8, fire9                                            (N, 512, H4, W4)

with ``H1 = (H - 3) // 2 + 1`` and each pool ``H' = (H - 3) // 2 + 1`` (224 -> 111 ->
55 -> 27 -> 13). A fire module is ``s = relu(squeeze1x1(x))`` followed by the channel
concatenation ``[relu(expand1x1(s)), relu(expand3x3(s))]`` (expand1x1 first; the 3x3
branch has padding 1).

``SqueezeNet.layer_names`` lists the 13 layers in order. Their indices match the
``model.features`` modules of torchvision's SqueezeNet 1.1 that CS231n's style-transfer
notebook indexes (1 = relu_conv1, 3 = fire2, 4 = fire3, 6 = fire4, 7 = fire5, ...), and
everything that takes a layer accepts its name or its index.

Inputs are preprocessed images (:func:`starter.images.preprocess`): float32
``(N, 3, H, W)``, BGR, 0..255 minus the ImageNet mean. Parameters live in
``model.params`` in the PyTorch/CS231n layout: ``"conv1/w"`` ``(64, 3, 3, 3)``,
``"conv1/b"`` ``(64,)``, ``"fire2/squeeze1x1/w"`` ``(16, 64, 1, 1)``, ... Computation is
float32; the model never modifies its parameters or its inputs.

Typical use::

    model = SqueezeNet.from_file()
    feats, cache = model.forward(x, upto="fire5", return_activations=True)
    feats["fire2"] is feats[3]                        # by name or by index
    dx, _ = model.backward({3: g3, "fire5": g7}, cache, trainable=())   # to the image
    out, cache = model.forward(x)                     # to fire9
    _, grads = model.backward(dout, cache, trainable=["fire9"], need_dx=False)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from starter.data import DatasetError, verified_path
from starter.fast_layers import (
    conv_backward_fast,
    conv_forward_fast,
    max_pool_backward_fast,
    max_pool_forward_fast,
)

__all__ = [
    "LAYER_NAMES",
    "PARAM_LAYERS",
    "Activations",
    "SqueezeNet",
    "SqueezeNetCache",
    "fire_backward",
    "fire_forward",
    "load_squeezenet",
]

LAYER_NAMES: tuple[str, ...] = (
    "conv1", "relu_conv1", "pool1", "fire2", "fire3", "pool3",
    "fire4", "fire5", "pool5", "fire6", "fire7", "fire8", "fire9",
)  # fmt: skip
# Layers that own parameters (the "trainable" choices of SqueezeNet.backward).
PARAM_LAYERS: tuple[str, ...] = ("conv1",) + tuple(f"fire{i}" for i in range(2, 10))
# (squeeze, expand) channels of each fire module; each expand branch has `expand` channels.
FIRE_SIZES: dict[str, tuple[int, int]] = {
    "fire2": (16, 64), "fire3": (16, 64), "fire4": (32, 128), "fire5": (32, 128),
    "fire6": (48, 192), "fire7": (48, 192), "fire8": (64, 256), "fire9": (64, 256),
}  # fmt: skip
_FIRE_CONVS = ("squeeze1x1", "expand1x1", "expand3x3")
_POOL_PARAM = {"pool_height": 3, "pool_width": 3, "stride": 2}
_CONV1_PARAM = {"stride": 2, "pad": 0}
_CONV_PARAM = {
    "squeeze1x1": {"stride": 1, "pad": 0},
    "expand1x1": {"stride": 1, "pad": 0},
    "expand3x3": {"stride": 1, "pad": 1},
}
WEIGHTS_DATASET, WEIGHTS_FILE = "squeezenet", "squeezenet1_1.h5"


def _param_shapes() -> dict[str, tuple[int, ...]]:
    """``{param name: shape}`` of the whole model, in layer order (PyTorch layout)."""
    shapes: dict[str, tuple[int, ...]] = {"conv1/w": (64, 3, 3, 3), "conv1/b": (64,)}
    cin = 64
    for fire, (s, e) in FIRE_SIZES.items():
        for conv, (f, c, k) in zip(_FIRE_CONVS, ((s, cin, 1), (e, s, 1), (e, s, 3)), strict=True):
            shapes[f"{fire}/{conv}/w"] = (f, c, k, k)
            shapes[f"{fire}/{conv}/b"] = (f,)
        cin = 2 * e
    return shapes


PARAM_SHAPES: dict[str, tuple[int, ...]] = _param_shapes()
# Channels of each layer's output.
LAYER_CHANNELS: dict[str, int] = {
    "conv1": 64, "relu_conv1": 64, "pool1": 64, "fire2": 128, "fire3": 128, "pool3": 128,
    "fire4": 256, "fire5": 256, "pool5": 256, "fire6": 384, "fire7": 384, "fire8": 512, "fire9": 512,
}  # fmt: skip


# --------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------


def fire_forward(
    x: np.ndarray,
    w_squeeze: np.ndarray,
    b_squeeze: np.ndarray,
    w_expand1: np.ndarray,
    b_expand1: np.ndarray,
    w_expand3: np.ndarray,
    b_expand3: np.ndarray,
) -> tuple[np.ndarray, tuple]:
    """Forward pass of a fire module.

    Inputs:
    - x: (N, C, H, W)
    - w_squeeze (S, C, 1, 1), b_squeeze (S,): the squeeze 1x1 convolution
    - w_expand1 (E, S, 1, 1), b_expand1 (E,): the expand 1x1 convolution
    - w_expand3 (E, S, 3, 3), b_expand3 (E,): the expand 3x3 convolution (padding 1)

    Returns ``(out, cache)`` with ``out`` of shape (N, 2E, H, W): channels ``[:E]`` are
    ``relu(expand1x1(s))``, ``[E:]`` are ``relu(expand3x3(s))``, ``s = relu(squeeze1x1(x))``.
    Runs in ``x``'s floating dtype.
    """
    s, cache_s = conv_forward_fast(x, w_squeeze, b_squeeze, _CONV_PARAM["squeeze1x1"])
    np.maximum(s, 0, out=s)
    e1, cache_e1 = conv_forward_fast(s, w_expand1, b_expand1, _CONV_PARAM["expand1x1"])
    e3, cache_e3 = conv_forward_fast(s, w_expand3, b_expand3, _CONV_PARAM["expand3x3"])
    n, e, h, w = e1.shape
    out = np.empty((n, 2 * e, h, w), dtype=e1.dtype)
    np.maximum(e1, 0, out=out[:, :e])
    np.maximum(e3, 0, out=out[:, e:])
    # The ReLU outputs (s and out) are all the masks the backward pass needs.
    return out, (s, out, cache_s, cache_e1, cache_e3)


def fire_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`fire_forward`.

    Inputs: dout (N, 2E, H, W), the cache of the forward pass.
    Returns ``(dx, dw_squeeze, db_squeeze, dw_expand1, db_expand1, dw_expand3, db_expand3)``
    with the shapes of the corresponding forward inputs.
    """
    s, out, cache_s, cache_e1, cache_e3 = cache
    dout = np.asarray(dout)
    if dout.shape != out.shape:
        raise ValueError(f"dout must have the fire module's output shape {out.shape}, got {dout.shape}")
    e = out.shape[1] // 2
    # ReLU's gradient at 0 is 0 (course convention): keep the gradient where out > 0.
    dmasked = np.where(out > 0, dout, 0).astype(out.dtype, copy=False)
    ds1, dw_e1, db_e1 = conv_backward_fast(dmasked[:, :e], cache_e1)
    ds3, dw_e3, db_e3 = conv_backward_fast(dmasked[:, e:], cache_e3)
    ds = ds1
    ds += ds3
    ds *= s > 0
    dx, dw_s, db_s = conv_backward_fast(ds, cache_s)
    return dx, dw_s, db_s, dw_e1, db_e1, dw_e3, db_e3


# --------------------------------------------------------------------------------------
# Activations and cache
# --------------------------------------------------------------------------------------


class Activations(Mapping):
    """The outputs of the layers a forward pass ran, by layer name or index.

    ``acts["fire2"]`` and ``acts[3]`` are the same array (N, C, H, W); iterating gives
    the names in layer order (``acts.values()`` the arrays); ``len(acts)`` is how many
    layers ran. Integer indices are positions in ``SqueezeNet.layer_names``.
    """

    def __init__(self, arrays: dict[str, np.ndarray]):
        self._arrays = arrays

    def __getitem__(self, key: str | int) -> np.ndarray:
        name = _layer_name(key)
        if name not in self._arrays:
            ran = ", ".join(self._arrays) or "none"
            raise KeyError(f"layer {key!r} did not run in this forward pass (layers that ran: {ran})")
        return self._arrays[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __contains__(self, key: object) -> bool:
        try:
            return _layer_name(key) in self._arrays  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            return False

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {v.shape}" for k, v in self._arrays.items())
        return f"Activations({shapes})"


@dataclass
class SqueezeNetCache:
    """What :meth:`SqueezeNet.backward` needs from a forward pass.

    ``start``/``stop`` are the indices of the first and last layers that ran,
    ``activations`` their outputs, ``layer_caches`` the per-layer caches (by index) and
    ``params`` the parameters used (the same arrays as the model's, not copies).
    """

    start: int
    stop: int
    input_shape: tuple[int, ...]
    activations: Activations
    params: dict[str, np.ndarray]
    layer_caches: dict[int, Any] = field(default_factory=dict)


def _layer_name(key: str | int) -> str:
    """The layer name for a name or an index (negative indices count from the end)."""
    if isinstance(key, str):
        if key not in LAYER_NAMES:
            raise ValueError(f"unknown layer {key!r}; the layers are {', '.join(LAYER_NAMES)}")
        return key
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        if not -len(LAYER_NAMES) <= key < len(LAYER_NAMES):
            raise ValueError(f"layer index {key} out of range 0..{len(LAYER_NAMES) - 1}")
        return LAYER_NAMES[key]
    raise TypeError(f"a layer is a name (e.g. 'fire5') or an index, got {key!r}")


def _layer_index(key: str | int) -> int:
    return LAYER_NAMES.index(_layer_name(key))


def _out_size(size: int, layer: str) -> int:
    """Spatial size of ``layer``'s output for an input of ``size`` (0 or less: too small)."""
    if layer == "conv1" or layer.startswith("pool"):
        return (size - 3) // 2 + 1 if size >= 3 else 0
    return size  # relu and fire modules keep the size


# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------


class SqueezeNet:
    """SqueezeNet 1.1 feature extractor with forward and backward passes (float32).

    Build it with :meth:`from_file` (the shipped ImageNet weights, checksum-verified)
    or :meth:`from_random`. ``params`` maps names such as ``"fire9/expand3x3/w"`` to
    arrays in the PyTorch layout (see the module docstring); forward and backward read
    them at call time, so assigning new arrays to ``model.params[...]`` (fine-tuning)
    takes effect on the next pass.
    """

    layer_names: tuple[str, ...] = LAYER_NAMES
    param_layers: tuple[str, ...] = PARAM_LAYERS
    param_shapes: dict[str, tuple[int, ...]] = PARAM_SHAPES

    def __init__(self, params: Mapping[str, np.ndarray]):
        """Wrap a complete parameter dict (copied, as contiguous float32)."""
        missing = [k for k in PARAM_SHAPES if k not in params]
        extra = [k for k in params if k not in PARAM_SHAPES]
        if missing or extra:
            raise ValueError(f"SqueezeNet params: missing {missing}, unexpected {extra}")
        self.params: dict[str, np.ndarray] = {}
        for name, shape in PARAM_SHAPES.items():
            value = np.asarray(params[name])
            if value.shape != shape:
                raise ValueError(f"SqueezeNet param {name!r} must have shape {shape}, got {value.shape}")
            self.params[name] = np.array(value, dtype=np.float32, order="C")

    # ---- construction -----------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> SqueezeNet:
        """Load the pretrained weights from the HDF5 file built by ``datasets/squeezenet``.

        With ``path=None`` the shipped ``datasets/squeezenet/squeezenet1_1.h5`` is used
        after its sha256 is checked (:class:`starter.data.DatasetError` if it is missing
        or corrupted). An explicit ``path`` is read as it is, with its contents checked.
        """
        import h5py  # imported here: only loading needs it

        path = verified_path(WEIGHTS_DATASET, WEIGHTS_FILE) if path is None else Path(path)
        if not path.is_file():
            raise DatasetError(f"SqueezeNet weights file {path} not found")
        params: dict[str, np.ndarray] = {}
        try:
            with h5py.File(path, "r") as f:
                for name, shape in PARAM_SHAPES.items():
                    conv, kind = name.rsplit("/", 1)
                    key = f"{conv}/kernel" if kind == "w" else f"{conv}/bias"
                    if key not in f:
                        raise DatasetError(
                            f"{path} has no dataset {key!r}: not a SqueezeNet 1.1 weights file "
                            "built by datasets/squeezenet/build.py"
                        )
                    value = np.asarray(f[key], dtype=np.float32)
                    if kind == "w":
                        # Keras (kh, kw, cin, cout) -> PyTorch (cout, cin, kh, kw).
                        value = value.transpose(3, 2, 0, 1)
                    if value.shape != shape:
                        raise DatasetError(
                            f"{path}: {key} has shape {value.shape} after conversion, expected {shape}"
                        )
                    params[name] = value
        except OSError as err:
            raise DatasetError(f"{path} cannot be read as an HDF5 file ({err})") from err
        return cls(params)

    @classmethod
    def from_random(cls, seed: int = 0) -> SqueezeNet:
        """Random weights (He-normal kernels, zero biases) drawn from ``default_rng(seed)``.

        A baseline for what pretraining buys; the same seed gives the same model.
        """
        rng = np.random.default_rng(seed)
        params: dict[str, np.ndarray] = {}
        for name, shape in PARAM_SHAPES.items():
            if name.endswith("/w"):
                fan_in = int(np.prod(shape[1:]))
                params[name] = rng.standard_normal(shape).astype(np.float32) * math.sqrt(2 / fan_in)
            else:
                params[name] = np.zeros(shape, dtype=np.float32)
        return cls(params)

    def copy(self) -> SqueezeNet:
        """An independent model with copies of the parameters."""
        return SqueezeNet(self.params)

    # ---- shapes -----------------------------------------------------------------------

    def layer_index(self, layer: str | int) -> int:
        """Index in :attr:`layer_names` of a layer given by name or index."""
        return _layer_index(layer)

    def output_shape(
        self, input_shape: tuple[int, ...], layer: str | int = "fire9", start: str | int = 0
    ) -> tuple[int, int, int, int]:
        """Shape (N, C, H', W') of ``layer``'s output for an input of ``input_shape``
        (N, C, H, W) fed to layer ``start``; ValueError if the input is too small."""
        first, last = _layer_index(start), _layer_index(layer)
        if last < first:
            raise ValueError(f"layer {LAYER_NAMES[last]!r} comes before start {LAYER_NAMES[first]!r}")
        n, _, h, w = input_shape
        for i in range(first, last + 1):
            name = LAYER_NAMES[i]
            h, w = _out_size(h, name), _out_size(w, name)
            if h < 1 or w < 1:
                raise ValueError(
                    f"input of spatial size {input_shape[2]}x{input_shape[3]} is too small: it "
                    f"vanishes at layer {name!r} (to reach fire9 from the image SqueezeNet needs "
                    "at least 31x31 pixels)"
                )
        return n, LAYER_CHANNELS[LAYER_NAMES[last]], h, w

    # ---- forward ----------------------------------------------------------------------

    def forward(
        self,
        x: np.ndarray,
        upto: str | int | None = None,
        return_activations: bool = False,
        start: str | int | None = None,
    ) -> tuple[np.ndarray | Activations, SqueezeNetCache]:
        """Run the layers from ``start`` to ``upto`` (both included).

        Inputs:
        - x: float (N, C, H, W): preprocessed images (N, 3, H, W) when ``start`` is None,
          else the *input* of layer ``start``, i.e. the previous layer's output (for
          ``start="fire9"``, fire8's output (N, 512, h, w)). Cast to float32.
        - upto: last layer to run (name or index); None for fire9.
        - return_activations: if True, return every layer's output as an
          :class:`Activations` (by name or index) instead of the last one.
        - start: first layer to run; None for conv1.

        Returns ``(out, cache)``: ``out`` is the output (N, C', H', W') of ``upto`` (or
        the :class:`Activations`); ``cache`` is for :meth:`backward` and also holds the
        activations (``cache.activations``).
        """
        first = 0 if start is None else _layer_index(start)
        last = len(LAYER_NAMES) - 1 if upto is None else _layer_index(upto)
        x = np.asarray(x)
        if not np.issubdtype(x.dtype, np.floating):
            raise TypeError(
                f"x must be a float array of preprocessed images, got dtype {x.dtype} "
                "(use starter.images.preprocess on uint8 images)"
            )
        expected_c = 3 if first == 0 else LAYER_CHANNELS[LAYER_NAMES[first - 1]]
        if x.ndim != 4 or x.shape[1] != expected_c:
            what = "images" if first == 0 else f"{LAYER_NAMES[first - 1]}'s output"
            raise ValueError(
                f"x must have shape (N, {expected_c}, H, W) ({what}, the input of "
                f"{LAYER_NAMES[first]!r}), got {x.shape}"
            )
        self.output_shape(x.shape, last, first)  # raises if the input is too small
        x = x.astype(np.float32, copy=False)
        params = dict(self.params)
        caches: dict[int, Any] = {}
        acts: dict[str, np.ndarray] = {}
        h = x
        for i in range(first, last + 1):
            name = LAYER_NAMES[i]
            if name == "conv1":
                h, caches[i] = conv_forward_fast(h, params["conv1/w"], params["conv1/b"], _CONV1_PARAM)
            elif name == "relu_conv1":
                h = np.maximum(h, 0)
            elif name.startswith("pool"):
                h, caches[i] = max_pool_forward_fast(h, _POOL_PARAM)
            else:
                h, caches[i] = fire_forward(h, *self._fire_params(params, name))
            acts[name] = h
        activations = Activations(acts)
        cache = SqueezeNetCache(first, last, tuple(x.shape), activations, params, caches)
        return (activations if return_activations else h), cache

    @staticmethod
    def _fire_params(params: Mapping[str, np.ndarray], fire: str) -> list[np.ndarray]:
        return [params[f"{fire}/{conv}/{k}"] for conv in _FIRE_CONVS for k in ("w", "b")]

    # ---- backward ---------------------------------------------------------------------

    def backward(
        self,
        dout: np.ndarray | Mapping[str | int, np.ndarray],
        cache: SqueezeNetCache,
        trainable: Iterable[str | int] | None = None,
        need_dx: bool = True,
    ) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """Backpropagate upstream gradients through the layers of a forward pass.

        Inputs:
        - dout: the gradient of the loss with respect to the last layer's output (an
          array of its shape), or a mapping ``{layer name or index: gradient}`` with
          gradients at several layers that ran (they add up on the way down).
        - cache: from :meth:`forward`.
        - trainable: layers whose parameter gradients to return, among
          ``param_layers`` (``"conv1"``, ``"fire2"`` .. ``"fire9"``) that ran; None for all
          of them that ran, ``()`` for none.
        - need_dx: whether to return the gradient with respect to the forward input.
          With ``need_dx=False`` backpropagation stops at the lowest trainable layer,
          which is what makes fine-tuning the top layers cheap.

        Returns ``(dx, grads)``: ``dx`` has the forward input's shape (None when
        ``need_dx`` is False); ``grads`` maps parameter names (``"fire9/squeeze1x1/w"``,
        ...) of the trainable layers to float32 arrays of the parameters' shapes.
        """
        if not isinstance(cache, SqueezeNetCache):
            raise TypeError(f"cache must be the SqueezeNetCache from forward, got {type(cache).__name__}")
        first, last = cache.start, cache.stop
        upstream = self._collect_upstream(dout, cache)
        ran = {LAYER_NAMES[i] for i in range(first, last + 1)}
        if trainable is None:
            train_layers = [p for p in PARAM_LAYERS if p in ran]
        else:
            if isinstance(trainable, (str, int)):
                trainable = [trainable]
            train_layers = []
            for key in trainable:
                name = _layer_name(key)
                if name not in PARAM_LAYERS:
                    raise ValueError(f"{name!r} has no parameters; trainable layers are among {PARAM_LAYERS}")
                if name not in ran:
                    raise ValueError(f"{name!r} did not run in the forward pass, so it has no gradient")
                train_layers.append(name)
        lowest = first if need_dx else min((_layer_index(n) for n in train_layers), default=last + 1)

        grads: dict[str, np.ndarray] = {}
        grad: np.ndarray | None = None
        for i in range(last, lowest - 1, -1):
            name = LAYER_NAMES[i]
            if i in upstream:
                # A copy the first time, so that in-place updates never touch the caller's array.
                grad = upstream[i].copy() if grad is None else grad + upstream[i]
            if grad is None:
                continue  # no gradient reaches this layer yet
            if name == "conv1":
                grad, dw, db = conv_backward_fast(grad, cache.layer_caches[i])
                layer_grads = {"conv1/w": dw, "conv1/b": db}
            elif name == "relu_conv1":
                grad *= cache.activations[i] > 0  # grad is ours (see above): in place
                layer_grads = {}
            elif name.startswith("pool"):
                grad = max_pool_backward_fast(grad, cache.layer_caches[i])
                layer_grads = {}
            else:
                grad, *pgrads = fire_backward(grad, cache.layer_caches[i])
                keys = [f"{name}/{conv}/{k}" for conv in _FIRE_CONVS for k in ("w", "b")]
                layer_grads = dict(zip(keys, pgrads, strict=True))
            if name in train_layers:
                grads.update({k: v.astype(np.float32, copy=False) for k, v in layer_grads.items()})
        for name in train_layers:  # trainable layers no gradient reached
            for k in PARAM_SHAPES:
                if k.startswith(name + "/") and k not in grads:
                    grads[k] = np.zeros(PARAM_SHAPES[k], dtype=np.float32)
        if not need_dx:
            return None, grads
        if grad is None:
            grad = np.zeros(cache.input_shape, dtype=np.float32)
        return grad.astype(np.float32, copy=False), grads

    @staticmethod
    def _collect_upstream(
        dout: np.ndarray | Mapping[str | int, np.ndarray], cache: SqueezeNetCache
    ) -> dict[int, np.ndarray]:
        """Validate upstream gradients; return them by layer index (float32)."""
        items = dout.items() if isinstance(dout, Mapping) else [(cache.stop, dout)]
        upstream: dict[int, np.ndarray] = {}
        for key, g in items:
            i = _layer_index(key)
            name = LAYER_NAMES[i]
            if not cache.start <= i <= cache.stop:
                raise ValueError(f"got a gradient for layer {name!r}, which did not run in the forward pass")
            g = np.asarray(g)
            expected = cache.activations[i].shape
            if g.shape != expected:
                raise ValueError(f"gradient for layer {name!r} must have shape {expected}, got {g.shape}")
            g = g.astype(np.float32, copy=False)
            upstream[i] = g if i not in upstream else upstream[i] + g
        return upstream

    # ---- convenience ------------------------------------------------------------------

    def features(
        self,
        x: np.ndarray,
        layer: str | int = "fire9",
        batch_size: int = 64,
        pool: str | None = None,
    ) -> np.ndarray:
        """Forward ``x`` (N, 3, H, W) to ``layer`` in batches, without keeping caches.

        Returns float32 (N, C, H', W'), or (N, C) with ``pool="avg"`` (global average
        pooling), for feature extraction with a frozen network.
        """
        if pool not in (None, "avg"):
            raise ValueError(f"pool must be None or 'avg', got {pool!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(f"x must have shape (N, 3, H, W), got {x.shape}")
        chunks = []
        for i in range(0, x.shape[0], batch_size):
            out, _ = self.forward(x[i : i + batch_size], upto=layer)
            # The mean over positions, inline: pooling with its backward pass is the
            # students' first task in part 5 (transfer_learning.global_avg_pool_*).
            chunks.append(out.mean(axis=(2, 3), dtype=np.float64).astype(out.dtype) if pool == "avg" else out)
        if not chunks:
            shape = self.output_shape(x.shape, layer)
            return np.zeros(shape[:2] if pool == "avg" else shape, dtype=np.float32)
        return np.concatenate(chunks)


def load_squeezenet(path: str | Path | None = None) -> SqueezeNet:
    """The pretrained SqueezeNet 1.1 (same as :meth:`SqueezeNet.from_file`)."""
    return SqueezeNet.from_file(path)
