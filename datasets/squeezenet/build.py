"""Build ``datasets/squeezenet/squeezenet1_1.h5`` from the Keras SqueezeNet 1.1 weights.

Reads ``../shared/data-sources/squeezenet/squeezenet1_1_notop_tf.h5`` (relative to the
repository; override with ``--source``): the ImageNet-pretrained convolutional weights
of DeepCognition/keras-squeezenet (no classifier), a Keras 1 HDF5 file whose kernels are
channels-last ``(kh, kw, cin, cout)`` and whose datasets sit at Keras' nested paths
(``fire2/squeeze1x1/uniform2``, ``fire2/squeeze1x1/fire2/squeeze1x1_b``, ...).

The repacked file keeps every array bit for bit (float32, same channels-last kernel
layout) under plain names, one group per convolution::

    conv1/kernel (3, 3, 3, 64)   conv1/bias (64,)
    fire2/squeeze1x1/kernel (1, 1, 64, 16)   fire2/squeeze1x1/bias (16,)
    fire2/expand1x1/kernel ...   fire2/expand3x3/kernel ...
    ... up to fire9

and records the input convention and the upstream file's sha256 as root attributes.
Keras' own ``weight_names`` attributes say which array is the kernel and which the bias;
the script relies on them rather than on the ``uniformN`` names. The file is written to
memory first (h5py stores no timestamps there), so a rebuild gives the same bytes.

Usage: ``python datasets/squeezenet/build.py [--source PATH] [--out DIR] [--check]``
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
from pathlib import Path

import h5py
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from buildlib import write_or_check  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_SOURCE = (
    REPO.parent / "shared" / "data-sources" / "squeezenet" / "squeezenet1_1_notop_tf.h5"
)
SOURCE_SHA256 = "17154246284f555591549ac2c83e127abfbf4307dc4b0060fdaa2931d0fa38da"
OUT_NAME = "squeezenet1_1.h5"

# (squeeze, expand) channels of each fire module of SqueezeNet 1.1.
FIRE_SIZES = {2: (16, 64), 3: (16, 64), 4: (32, 128), 5: (32, 128),
              6: (48, 192), 7: (48, 192), 8: (64, 256), 9: (64, 256)}  # fmt: skip


def expected_shapes() -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """Return ``{conv name: (kernel shape (kh, kw, cin, cout), bias shape (cout,))}``."""
    shapes = {"conv1": ((3, 3, 3, 64), (64,))}
    cin = 64
    for i, (s, e) in FIRE_SIZES.items():
        shapes[f"fire{i}/squeeze1x1"] = ((1, 1, cin, s), (s,))
        shapes[f"fire{i}/expand1x1"] = ((1, 1, s, e), (e,))
        shapes[f"fire{i}/expand3x3"] = ((3, 3, s, e), (e,))
        cin = 2 * e
    return shapes


def load_source(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read every convolution's ``(kernel, bias)`` from the Keras file, checking shapes."""
    if not path.is_file():
        sys.exit(f"error: SqueezeNet weights not found at {path}; pass --source PATH")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f"error: {path} has sha256 {digest}, expected {SOURCE_SHA256}")
    convs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with h5py.File(path, "r") as f:
        for name, (kshape, bshape) in expected_shapes().items():
            group = f[name]
            # Keras lists a layer's weights in order (kernel, bias), each by its path
            # inside the layer's group (e.g. "uniform2", "fire2/squeeze1x1_b").
            names = [n.decode() for n in group.attrs["weight_names"]]
            if len(names) != 2 or any(n not in group for n in names):
                sys.exit(f"error: {name}: expected a kernel and a bias, found {names}")
            kernel = np.asarray(group[names[0]])
            bias = np.asarray(group[names[1]])
            if kernel.shape != kshape or bias.shape != bshape:
                sys.exit(
                    f"error: {name}: shapes {kernel.shape} {bias.shape}, expected {kshape} {bshape}"
                )
            if kernel.dtype != np.float32 or bias.dtype != np.float32:
                sys.exit(f"error: {name}: expected float32, found {kernel.dtype} {bias.dtype}")
            convs[name] = (kernel, bias)
    return convs


def h5_bytes(convs: dict[str, tuple[np.ndarray, np.ndarray]]) -> bytes:
    """Serialise the weights as a small, deterministic HDF5 file."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.attrs["model"] = "SqueezeNet 1.1 feature extractor (conv1 .. fire9), ImageNet-pretrained"
        f.attrs["kernel_layout"] = "(kh, kw, cin, cout), channels-last as in Keras/TensorFlow"
        f.attrs["input"] = (
            "BGR, 0..255, minus the per-channel mean [103.939, 116.779, 123.68] (B, G, R)"
        )
        f.attrs["conv_names"] = np.array(list(convs), dtype="S")
        f.attrs["source"] = (
            "github.com/DeepCognition/keras-squeezenet @ a73d4339, "
            "squeezenet_weights_tf_dim_ordering_tf_kernels_notop.h5"
        )
        f.attrs["source_sha256"] = SOURCE_SHA256
        for name, (kernel, bias) in convs.items():
            group = f.create_group(name)
            group.create_dataset("kernel", data=kernel, track_times=False)
            group.create_dataset("bias", data=bias, track_times=False)
    return buffer.getvalue()


def summary(convs: dict[str, tuple[np.ndarray, np.ndarray]], data: bytes) -> str:
    lines = [f"sha256 {hashlib.sha256(data).hexdigest()}", f"size {len(data)} bytes"]
    total = 0
    for name, (kernel, bias) in convs.items():
        total += kernel.size + bias.size
        lines.append(f"{name}: kernel {kernel.shape} bias {bias.shape}")
    lines.append(f"parameters {total}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the Keras .h5 file")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this one)")
    parser.add_argument("--check", action="store_true", help="verify the committed file instead")
    args = parser.parse_args(argv)

    convs = load_source(args.source)
    data = h5_bytes(convs)
    status = write_or_check(args.out, {OUT_NAME: data}, args.check)
    if status == 0 and not args.check:
        print(summary(convs, data))
    return status


if __name__ == "__main__":
    sys.exit(main())
