"""starter.plotting: every accepted layout gives a Figure showing the right pixels."""

import io
import warnings
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from starter.plotting import plot_filters, plot_training_curves, show_image_grid, visualize_grid

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def no_pyplot_figures_and_no_warnings():
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would land on stderr in a notebook
        yield
    assert plt.get_fignums() == [], "library code must not create pyplot figures"


def _shown(fig):
    """The arrays drawn with imshow, in axes order."""
    return [np.asarray(im.get_array()) for ax in fig.axes for im in ax.get_images()]


def _render(fig):
    fig.savefig(io.BytesIO(), format="png")


HISTORIES = {
    "loss_history": [2.3, 1.9, 1.5, 1.2, 1.0, 0.9],
    "train_acc_history": [0.1, 0.6, 0.8],
    "val_acc_history": [0.1, 0.55, 0.7],
}


def test_training_curves_from_solver_like_object_and_dict():
    for source in (SimpleNamespace(**HISTORIES), HISTORIES):
        fig = plot_training_curves(source, title="run", smooth=3)
        assert isinstance(fig, Figure)
        ax_loss, ax_acc = fig.axes
        np.testing.assert_array_equal(ax_loss.lines[0].get_ydata(), HISTORIES["loss_history"])
        # running mean of 3: (2.3 + 1.9 + 1.5) / 3 first
        assert ax_loss.lines[1].get_ydata()[0] == pytest.approx(5.7 / 3)
        np.testing.assert_array_equal(ax_acc.lines[0].get_ydata(), HISTORIES["train_acc_history"])
        np.testing.assert_array_equal(ax_acc.lines[1].get_ydata(), HISTORIES["val_acc_history"])
        assert fig.get_suptitle() == "run"
        _render(fig)


def test_training_curves_compare_several_runs():
    other = dict(HISTORIES, loss_history=[3.0, 2.0])
    fig = plot_training_curves({"lr=1e-3": HISTORIES, "lr=1e-2": SimpleNamespace(**other)})
    ax_loss, ax_acc = fig.axes
    assert len(ax_loss.lines) == 2 and len(ax_acc.lines) == 4
    labels = [t.get_text() for t in ax_acc.get_legend().get_texts()]
    assert labels == ["train lr=1e-3", "val lr=1e-3", "train lr=1e-2", "val lr=1e-2"]
    _render(fig)


def test_training_curves_reject_bad_input():
    with pytest.raises(TypeError, match="missing val_acc_history"):
        plot_training_curves({"loss_history": [1.0], "train_acc_history": [0.1]})
    with pytest.raises(TypeError, match="run 'a'"):
        plot_training_curves({"a": object()})
    with pytest.raises(ValueError, match="smooth"):
        plot_training_curves(HISTORIES, smooth=0)


def test_image_grid_layouts_show_the_right_pixels():
    rng = np.random.default_rng(0)
    rgb_chw = rng.integers(0, 256, size=(5, 3, 6, 7), dtype=np.uint8)
    grey = rng.random((5, 6, 7)).astype(np.float32)  # already in [0, 1]
    cases = [
        (grey, grey),
        (grey[:, None], grey),
        (rgb_chw, rgb_chw.transpose(0, 2, 3, 1) / 255.0),
        (rgb_chw.transpose(0, 2, 3, 1), rgb_chw.transpose(0, 2, 3, 1) / 255.0),
        (grey[..., None], grey),
    ]
    for images, expected in cases:
        fig = show_image_grid(images, ncols=3)
        assert isinstance(fig, Figure)
        shown = _shown(fig)
        assert len(shown) == 5
        for got, want in zip(shown, expected, strict=True):
            np.testing.assert_allclose(got, want, atol=1e-6)
        assert len(fig.axes) == 6  # 2 rows of 3, the last one empty
        _render(fig)


def test_image_grid_rescales_out_of_range_data_and_labels():
    images = np.stack([np.full((4, 4), -1.0), np.linspace(-2, 2, 16).reshape(4, 4)])
    fig = show_image_grid(images, labels=[0, 1], class_names=["ant", "bee"])
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["ant", "bee"]
    flat, ramp = _shown(fig)
    np.testing.assert_array_equal(flat, 0.0)  # constant image: no division by zero
    assert ramp.min() == 0.0 and ramp.max() == 1.0
    fig = show_image_grid(images, labels=["x", "y"], title="t")
    assert [ax.get_title() for ax in fig.axes] == ["x", "y"] and fig.get_suptitle() == "t"


def test_image_grid_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(N, H, W\), \(N, 1, H, W\)"):
        show_image_grid(np.zeros((2, 5, 6, 7)))
    with pytest.raises(ValueError, match="got 2 images but 3 labels"):
        show_image_grid(np.zeros((2, 4, 4)), labels=[1, 2, 3])
    with pytest.raises(ValueError, match="ncols"):
        show_image_grid(np.zeros((2, 4, 4)), ncols=0)
    with pytest.raises(ValueError, match="empty"):
        show_image_grid(np.zeros((0, 4, 4)))


def test_visualize_grid_tiles_and_rescales_each_image():
    rng = np.random.default_rng(1)
    Xs = rng.standard_normal((5, 3, 4, 2))
    Xs[4] = 7.0  # constant tile
    grid = visualize_grid(Xs, ubound=255.0, padding=2)
    G = 3  # ceil(sqrt(5))
    assert grid.shape == (3 * G + 2 * (G - 1), 4 * G + 2 * (G - 1), 2)
    for i in range(5):
        r, c = divmod(i, G)
        tile = grid[r * 5 : r * 5 + 3, c * 6 : c * 6 + 4]
        x = Xs[i]
        want = 255.0 * (x - x.min()) / (x.max() - x.min()) if i < 4 else np.zeros_like(x)
        np.testing.assert_allclose(tile, want, atol=1e-9)
    assert np.all(grid[3:5] == 0) and np.all(grid[:, 4:6] == 0)  # padding
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        visualize_grid(np.zeros((4, 5, 5)))


@pytest.mark.parametrize("shape", [(8, 1, 5, 5), (6, 3, 3, 3)])
def test_plot_filters(shape):
    w = np.random.default_rng(2).standard_normal(shape)
    fig = plot_filters(w, title="conv1")
    assert isinstance(fig, Figure)
    (shown,) = _shown(fig)
    expected = visualize_grid(w.transpose(0, 2, 3, 1), ubound=1.0)
    np.testing.assert_allclose(shown, expected[..., 0] if shape[1] == 1 else expected)
    _render(fig)
    with pytest.raises(ValueError, match="C = 1 or 3"):
        plot_filters(np.zeros((4, 2, 3, 3)))


def test_batchnorm_graph_draws_every_stage_and_edge():
    from starter.plotting import BATCHNORM_GRAPH, plot_batchnorm_graph

    fig = plot_batchnorm_graph()
    _render(fig)
    (ax,) = fig.axes
    boxes = [text.get_text() for text in ax.texts]
    for name, operation, _, shape in BATCHNORM_GRAPH:
        assert f"{name}\n{operation}\n{shape}" in boxes
    assert {"x\n(N, D)", "gamma\n(D,)", "beta\n(D,)"} <= set(boxes)
    arrows = [child for child in ax.get_children() if type(child).__name__ == "Annotation"]
    assert len(arrows) == sum(len(inputs) for _, _, inputs, _ in BATCHNORM_GRAPH)


def test_batchnorm_graph_is_the_forward_pass():
    """The stages, run as written, compute batch normalization (checked against the formula)."""
    from starter.plotting import BATCHNORM_GRAPH

    rng = np.random.default_rng(0)
    x, gamma, beta, eps = rng.standard_normal((6, 3)), rng.standard_normal(3), rng.standard_normal(3), 1e-5
    ops = {
        "mean over N": lambda a: a.mean(axis=0), "subtract": np.subtract, "square": np.square,
        "sqrt(. + eps)": lambda a: np.sqrt(a + eps), "divide": np.divide, "multiply": np.multiply,
        "add": np.add,
    }
    values = {"x": x, "gamma": gamma, "beta": beta}
    for name, operation, inputs, shape in BATCHNORM_GRAPH:
        values[name] = ops[operation](*(values[i] for i in inputs))
        assert values[name].shape == {"(D,)": (3,), "(N, D)": (6, 3)}[shape], name
    expected = gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta
    np.testing.assert_allclose(values["out"], expected, rtol=1e-12)
