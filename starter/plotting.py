"""Plots for the notebooks: training curves, image grids, filter grids.

Every function that draws returns a :class:`matplotlib.figure.Figure` that is
already closed in pyplot: it is never shown twice, nothing accumulates between
calls, and it works under the Agg backend. In a notebook, make the call the
last line of a cell, or pass the figure to ``display(fig)``;
``fig.savefig(path)`` saves it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "plot_training_curves",
    "show_image_grid",
    "visualize_grid",
    "plot_filters",
    "plot_batchnorm_graph",
    "BATCHNORM_GRAPH",
]

_HISTORY_KEYS = ("loss_history", "train_acc_history", "val_acc_history")


def _new_figure(**kwargs: Any) -> Figure:
    """A Figure on pyplot's current backend, closed so that pyplot never shows it itself.

    Going through pyplot (imported lazily: keeps ``import starter`` fast) matters in
    Jupyter: it switches on the inline backend, which is what renders a returned Figure.
    """
    import matplotlib.pyplot as plt

    fig = plt.figure(**kwargs)
    plt.close(fig)
    return fig


def _histories(run: Any, label: str) -> dict[str, Sequence[float]]:
    """The three histories of a Solver-like object or a mapping with the same keys."""
    if isinstance(run, Mapping):
        get = run.get
    else:

        def get(key: str) -> Any:
            return getattr(run, key, None)

    found = {key: get(key) for key in _HISTORY_KEYS}
    missing = [key for key, value in found.items() if value is None]
    if missing:
        raise TypeError(
            f"{label}: expected a Solver or a dict with {', '.join(_HISTORY_KEYS)}; "
            f"missing {', '.join(missing)}"
        )
    return found


def plot_training_curves(
    solver_or_histories: Any,
    title: str | None = None,
    smooth: int = 1,
) -> Figure:
    """Training loss per iteration, and training / validation accuracy per epoch.

    Inputs:
    - solver_or_histories: a trained ``Solver``; a dict with ``loss_history``,
      ``train_acc_history`` and ``val_acc_history``; or, to compare runs, a dict
      ``{label: solver_or_histories}`` (e.g. one entry per learning rate).
    - title: figure title.
    - smooth: if > 1, also draw a running mean of the loss over this many iterations.

    Returns the Figure (two panels: loss, accuracy).
    """
    if isinstance(smooth, bool) or not isinstance(smooth, int) or smooth < 1:
        raise ValueError(f"smooth must be a positive integer, got {smooth!r}")
    single = not isinstance(solver_or_histories, Mapping) or any(
        key in solver_or_histories for key in _HISTORY_KEYS
    )
    if single:
        runs = {"": _histories(solver_or_histories, "solver_or_histories")}
    else:
        if not solver_or_histories:
            raise ValueError("solver_or_histories is an empty dict; give at least one run")
        runs = {str(k): _histories(v, f"run {k!r}") for k, v in solver_or_histories.items()}

    fig = _new_figure(figsize=(12, 4.5), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    colors = [f"C{i % 10}" for i in range(len(runs))]
    for color, (label, h) in zip(colors, runs.items(), strict=True):
        loss = np.asarray(h["loss_history"], dtype=np.float64)
        suffix = f" {label}" if label else ""
        ax_loss.plot(
            loss,
            ".",
            color=color,
            alpha=0.35 if smooth > 1 else 0.6,
            markersize=3,
            label=label or None,
        )
        if smooth > 1 and loss.size >= smooth:
            kernel = np.ones(smooth) / smooth
            running = np.convolve(loss, kernel, mode="valid")
            ax_loss.plot(np.arange(smooth - 1, loss.size), running, "-", color=color, linewidth=1.5)
        ax_acc.plot(h["train_acc_history"], "-o", color=color, markersize=3, label=f"train{suffix}")
        ax_acc.plot(h["val_acc_history"], "--s", color=color, markersize=3, label=f"val{suffix}")
    ax_loss.set_title("Training loss")
    ax_loss.set_xlabel("Iteration")
    ax_loss.set_ylabel("Loss")
    if not single:
        ax_loss.legend(loc="upper right", fontsize="small")
    ax_acc.set_title("Accuracy")
    ax_acc.set_xlabel("Epoch")
    ax_acc.xaxis.get_major_locator().set_params(integer=True)
    ax_acc.set_ylabel("Accuracy")
    ax_acc.legend(loc="lower right", fontsize="small")
    ax_acc.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig


def _to_nhwc(images: np.ndarray, name: str) -> np.ndarray:
    """Bring (N,H,W), (N,1,H,W), (N,3,H,W), (N,H,W,1) or (N,H,W,3) to (N,H,W,C)."""
    images = np.asarray(images)
    accepted = "(N, H, W), (N, 1, H, W), (N, 3, H, W), (N, H, W, 1) or (N, H, W, 3)"
    if not (np.issubdtype(images.dtype, np.number) or images.dtype == np.bool_):
        raise TypeError(f"{name} must be a numeric array, got dtype {images.dtype}")
    if images.ndim == 3:
        return images[..., None]
    if images.ndim == 4:
        # Channels-first wins when both readings are possible (only for 3x3 images).
        if images.shape[1] in (1, 3):
            return images.transpose(0, 2, 3, 1)
        if images.shape[3] in (1, 3):
            return images
    raise ValueError(f"{name} must have shape {accepted}; got {images.shape}")


def _display_range(img: np.ndarray) -> np.ndarray:
    """Scale one (H, W, C) image to [0, 1] for imshow."""
    img = img.astype(np.float64)
    lo, hi = float(np.min(img)), float(np.max(img))
    if lo >= 0.0 and hi <= 1.0:
        return img
    if lo >= 0.0 and hi <= 255.0:
        return img / 255.0
    return (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)


def show_image_grid(
    images: np.ndarray,
    labels: Sequence[Any] | np.ndarray | None = None,
    ncols: int = 8,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    cmap: str = "gray",
    scale: float = 1.2,
) -> Figure:
    """Show images in a grid, optionally titled with their labels.

    Inputs:
    - images: shape (N, H, W) or (N, 1, H, W) (grey), (N, 3, H, W) or
      (N, H, W, 3) (RGB). Values in [0, 1] or [0, 255] are shown as they are;
      any other range (e.g. mean-subtracted data) is rescaled per image.
    - labels: N labels (ints or strings) shown above the images, or None.
    - ncols: images per row.
    - class_names: maps integer labels to names, e.g. ``["ant", "bee"]``.
    - title: figure title.
    - cmap: colormap for grey images.
    - scale: inches per image.

    Returns the Figure.
    """
    nhwc = _to_nhwc(images, "images")
    N = nhwc.shape[0]
    if N == 0:
        raise ValueError("images is empty; give at least one image")
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}")
    if labels is not None and len(labels) != N:
        raise ValueError(f"got {N} images but {len(labels)} labels; give one label per image")
    ncols = min(ncols, N)
    nrows = math.ceil(N / ncols)
    fig = _new_figure(
        figsize=(scale * ncols, scale * nrows + (0.3 if title else 0.0)), layout="constrained"
    )
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= N:
            continue
        img = _display_range(nhwc[i])
        if img.shape[-1] == 1:
            ax.imshow(img[..., 0], cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
        else:
            ax.imshow(img, interpolation="nearest")
        if labels is not None:
            label = labels[i]
            if class_names is not None and isinstance(label, (int, np.integer)):
                label = class_names[int(label)]
            ax.set_title(str(label), fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def visualize_grid(Xs: np.ndarray, ubound: float = 255.0, padding: int = 1) -> np.ndarray:
    """Tile a 4D tensor of images into one image, as in CS231n.

    Inputs:
    - Xs: data of shape (N, H, W, C)
    - ubound: each image is rescaled to [0, ubound]
    - padding: blank pixels between tiles

    Returns an array of shape (G*H + (G-1)*padding, G*W + (G-1)*padding, C)
    with G = ceil(sqrt(N)). Show it with ``ax.imshow(grid.astype("uint8"))``
    (or use :func:`plot_filters` for conv weights).
    """
    Xs = np.asarray(Xs)
    if Xs.ndim != 4 or Xs.shape[0] == 0:
        raise ValueError(
            f"Xs must have shape (N, H, W, C) with N >= 1, got {Xs.shape}; "
            "for conv weights (F, C, HH, WW) pass w.transpose(0, 2, 3, 1)"
        )
    N, H, W, C = Xs.shape
    grid_size = math.ceil(math.sqrt(N))
    grid_height = H * grid_size + padding * (grid_size - 1)
    grid_width = W * grid_size + padding * (grid_size - 1)
    grid = np.zeros((grid_height, grid_width, C))
    for idx in range(N):
        y0 = (idx // grid_size) * (H + padding)
        x0 = (idx % grid_size) * (W + padding)
        img = Xs[idx].astype(np.float64)
        low, high = np.min(img), np.max(img)
        # A constant image would divide by zero (and warn on stderr): draw it black.
        if high > low:
            grid[y0 : y0 + H, x0 : x0 + W] = ubound * (img - low) / (high - low)
    return grid


def plot_filters(w: np.ndarray, title: str | None = None, padding: int = 1) -> Figure:
    """Show conv filters ``w`` of shape (F, C, HH, WW) (C = 1 or 3) as one tiled image.

    Each filter is rescaled to its own [min, max]. Returns the Figure.
    """
    w = np.asarray(w)
    if w.ndim != 4 or w.shape[1] not in (1, 3):
        raise ValueError(
            f"w must be conv weights of shape (F, C, HH, WW) with C = 1 or 3, got {w.shape}; "
            "for deeper layers, show one input channel at a time, e.g. w[:, :1]"
        )
    grid = visualize_grid(w.transpose(0, 2, 3, 1), ubound=1.0, padding=padding)
    fig = _new_figure(figsize=(5, 5), layout="constrained")
    ax = fig.subplots()
    if grid.shape[-1] == 1:
        ax.imshow(grid[..., 0], cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        ax.imshow(grid, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


# The staged forward pass of batch normalization (train mode), one node per stage:
# (name, operation, inputs, shape). The figure and batchnorm_backward's docstring mirror it.
BATCHNORM_GRAPH: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("mu", "mean over N", ("x",), "(D,)"),
    ("xc", "subtract", ("x", "mu"), "(N, D)"),
    ("sq", "square", ("xc",), "(N, D)"),
    ("var", "mean over N", ("sq",), "(D,)"),
    ("std", "sqrt(. + eps)", ("var",), "(D,)"),
    ("x_hat", "divide", ("xc", "std"), "(N, D)"),
    ("scaled", "multiply", ("gamma", "x_hat"), "(N, D)"),
    ("out", "add", ("scaled", "beta"), "(N, D)"),
)

_GRAPH_POSITIONS = {
    "x": (0.0, 1.0), "mu": (1.3, 2.0), "xc": (2.6, 1.0), "sq": (3.9, 2.0), "var": (5.2, 2.0),
    "std": (6.5, 2.0), "x_hat": (7.8, 1.0), "gamma": (7.8, 0.0), "scaled": (9.1, 1.0),
    "beta": (9.1, 0.0), "out": (10.4, 1.0),
}


def plot_batchnorm_graph() -> Figure:
    """Draw the computational graph of batch normalization's forward pass (train mode).

    Each box is one stage of :data:`BATCHNORM_GRAPH` (its name, operation and
    shape); an arrow goes from every input of a stage to it. Backpropagate
    through the boxes from right to left, one local derivative per stage, and
    remember that ``x`` feeds three stages (directly, and through ``mu`` and
    ``xc``): its gradient is the sum of what reaches it along every path.
    """
    fig = _new_figure(figsize=(12, 3.4), layout="constrained")
    ax = fig.subplots()
    labels = {"x": "x\n(N, D)", "gamma": "gamma\n(D,)", "beta": "beta\n(D,)"}
    for name, operation, _, shape in BATCHNORM_GRAPH:
        labels[name] = f"{name}\n{operation}\n{shape}"
    for name, (x, y) in _GRAPH_POSITIONS.items():
        given = name in ("x", "gamma", "beta")
        ax.text(x, y, labels[name], ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "#dde8f5" if given else "#fdf1d6",
                      "edgecolor": "#555555"})
    for name, _, inputs, _ in BATCHNORM_GRAPH:
        for source in inputs:
            ax.annotate("", xy=_GRAPH_POSITIONS[name], xytext=_GRAPH_POSITIONS[source],
                        arrowprops={"arrowstyle": "->", "shrinkA": 30, "shrinkB": 30, "color": "#333333"})
    ax.set_xlim(-0.6, 11.0)
    ax.set_ylim(-0.6, 2.6)
    ax.set_axis_off()
    ax.set_title("Batch normalization, train mode: the forward graph (backpropagate right to left)")
    return fig
