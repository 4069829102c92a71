"""The ants-vs-bees (hymenoptera) dataset for the transfer-learning notebook.

``datasets/hymenoptera/hymenoptera.npz`` (built by ``datasets/hymenoptera/build.py``,
described in its ``CARD.md``) holds the published train/val split of the PyTorch
transfer-learning tutorial's images, center-cropped and resized to 160 x 160, uint8 RGB.
The broken placeholder image of the source (``train/ants/imageNotFound.gif``) is not in
it: 244 training images (123 ants, 121 bees) and 153 validation images (70 ants, 83 bees).
"""

from __future__ import annotations

import numpy as np

from starter.data import DatasetError, load_npz, verified_path
from starter.images import preprocess

__all__ = ["HYMENOPTERA_CLASSES", "HYMENOPTERA_SIZE", "load_hymenoptera"]

HYMENOPTERA_CLASSES = ("ants", "bees")
HYMENOPTERA_SIZE = 160
_SPLIT_SIZES = {"train": 244, "val": 153}
_FILE = "hymenoptera.npz"


def load_hymenoptera(preprocessed: bool = False) -> dict[str, object]:
    """Load the ants-vs-bees images with the published train/val split (checksum-verified).

    Inputs:
    - preprocessed: if False (default), images are uint8 RGB ``(N, 160, 160, 3)``, ready
      for :func:`starter.images.random_crop_flip` or display; if True, they are
      SqueezeNet inputs, float32 ``(N, 3, 160, 160)`` (:func:`starter.images.preprocess`).

    Returns a dict with
    - ``X_train`` (244, ...), ``X_val`` (153, ...): the images as above;
    - ``y_train``, ``y_val``: int64 labels, 0 = ants, 1 = bees;
    - ``names_train``, ``names_val``: the source file of each image (``"ants/x.jpg"``);
    - ``class_names``: ``["ants", "bees"]``.
    Every call returns fresh arrays (safe to modify).
    """
    if not isinstance(preprocessed, (bool, np.bool_)):
        raise TypeError(f"preprocessed must be True or False, got {preprocessed!r}")
    arrays = load_npz("hymenoptera", _FILE)
    size = HYMENOPTERA_SIZE
    data: dict[str, object] = {}
    for split, n in _SPLIT_SIZES.items():
        X, y, names = (arrays.get(f"{k}_{split}") for k in ("X", "y", "names"))
        if (
            X is None or y is None or names is None
            or X.shape != (n, size, size, 3) or X.dtype != np.uint8
            or y.shape != (n,) or names.shape != (n,)
        ):  # fmt: skip
            path = verified_path("hymenoptera", _FILE)
            raise DatasetError(
                f"{path} passed its checksum but does not hold the expected arrays "
                f"(X_{split} uint8 ({n}, {size}, {size}, 3), y_{split} and names_{split} ({n},)); "
                "SHA256SUMS was probably regenerated from a bad build. "
                "To fix: `git checkout -- datasets/hymenoptera`."
            )
        data[f"X_{split}"] = preprocess(X) if preprocessed else X
        data[f"y_{split}"] = y.astype(np.int64)
        data[f"names_{split}"] = [str(s) for s in names]
    data["class_names"] = [str(s) for s in arrays["class_names"]]
    return data
