"""The cells of ``6_style_transfer.ipynb``, in order (used by make_notebook.py).

``{{name}}`` placeholders are replaced by expected values computed offline with
PyTorch (``{{IN_...}}`` by the input-building snippets they were computed from).
Hidden tests compute their references in the hidden region with code written
independently of the solution (einsum, explicit loops, ``np.diff``) and compare
gradients with numeric gradients of those references.
"""

# ruff: noqa: E501

RUN_TIMEOUT = 120  # seconds, for each cell that runs style transfer (about 10 s on an idle machine)


def build(md, code, test):
    md(r"""
# Part 6: Style transfer

In this part you recreate the images of Gatys, Ecker and Bethge,
["Image Style Transfer Using Convolutional Neural Networks" (CVPR 2016)](https://openaccess.thecvf.com/content_cvpr_2016/html/Gatys_Image_Style_Transfer_CVPR_2016_paper.html):
a photograph painted in the style of a painting. The idea is to look for an image whose
features in a pretrained network (SqueezeNet 1.1, as in part 5) match the *content* of the
photograph at one layer and the *style* of the painting at several layers, and to find it
by gradient descent on its pixels.

The loss of an image has three terms, and you write each of them, with its gradient, in
`style_transfer.py` beside this notebook:

- `content_loss`: how far the image's features are from the photograph's;
- `gram_matrix` and `gram_matrix_backward`: the Gram matrix of a feature map, the
  correlations between its channels, which summarise style;
- `style_loss`: how far the image's Gram matrices are from the painting's;
- `tv_loss`: the total variation, which keeps the image smooth.

The optimisation loop, `style_transfer`, is given: it runs SqueezeNet forward, calls your
losses, backpropagates their gradients to the image with the network's backward pass, and
takes Adam steps on the pixels.

**How you are graded.** Each test cell below (11 points in all) runs a visible check that
you can run yourself; hidden tests add other shapes, unnormalised Gram matrices and several
layers with different weights, so make your code correct in general. Loss values are
compared with values computed independently (with PyTorch, offline); gradients with
numeric gradients. The last check runs style transfer with your losses and checks that it
lowered the loss substantially.

Thanks to `%autoreload`, edits to `style_transfer.py` take effect when you re-run a cell.
""", "intro")

    code(r"""
%load_ext autoreload
%autoreload 2

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from style_transfer import (
    content_loss,
    gram_matrix,
    gram_matrix_backward,
    style_loss,
    style_transfer,
    tv_loss,
)

from starter import (
    assert_close,
    assert_gradient_close,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)
from starter.images import load_image, preprocess
from starter.seeding import seed_everything
from starter.squeezenet import SqueezeNet

seed_everything(231)
OUTPUT = Path("style_transfer_output")  # the figures of this notebook are also saved here
OUTPUT.mkdir(exist_ok=True)
""", "setup")

    # ------------------------------------------------------------------ content loss
    md(r"""
## Content loss

The content loss compares the features of the generated image and of the content image at
one layer $\ell$. With $F^\ell$ the feature map of the current image and $P^\ell$ that of
the content image, both of shape $(C_\ell, H_\ell, W_\ell)$, and $w_c$ the content weight,

$$L_c = w_c \sum_{c,i,j} \left(F^\ell_{c,i,j} - P^\ell_{c,i,j}\right)^2 .$$

Implement `content_loss(content_weight, content_current, content_original)`: it returns the
loss and its gradient with respect to `content_current`.
""", "content_loss_md")

    test(r"""
{{IN_CONTENT}}

loss, grad = content_loss(content_weight, content_current, content_original)
assert_close("loss of content_loss", loss, {{content_loss}}, rtol=1e-9)
grad_num = eval_numerical_gradient(
    lambda x: content_loss(content_weight, x, content_original)[0], content_current, verbose=False
)
assert_gradient_close("grad of content_loss", grad, grad_num)
print("content_loss: visible check passed; relative error of the gradient", rel_error(grad, grad_num))

### BEGIN HIDDEN TESTS
def _content_ref(weight, current, original):
    diff = (current - original).ravel()
    return weight * np.dot(diff, diff)


_rng = np.random.default_rng(601)
for _shape, _w in [((5, 3, 7), 1.7), ((1, 6, 2), 3e-3), ((4, 1, 1), 250.0)]:
    _cur, _orig = _rng.standard_normal(_shape), _rng.standard_normal(_shape)
    _loss, _grad = content_loss(_w, _cur, _orig)
    _what = f"content_loss with features of shape {_shape} and weight {_w}"
    assert_close(f"loss of {_what}", _loss, _content_ref(_w, _cur, _orig), rtol=1e-9)
    _num = eval_numerical_gradient(lambda x, w=_w, orig=_orig: _content_ref(w, x, orig), _cur.copy(), verbose=False)
    assert_gradient_close(f"grad of {_what}", _grad, _num)
### END HIDDEN TESTS
""", "content_loss_test", 1)

    # ------------------------------------------------------------------ Gram matrix
    md(r"""
## Gram matrix

Style is summarised by the correlations between the channels of a feature map. Reshape the
feature map $F^\ell$ of shape $(C_\ell, H_\ell, W_\ell)$ into a matrix of shape
$(C_\ell, M_\ell)$, $M_\ell = H_\ell W_\ell$ (one row per channel); its Gram matrix is

$$G^\ell = F^\ell {F^\ell}^\top, \qquad G^\ell_{ij} = \sum_k F^\ell_{ik} F^\ell_{jk},$$

of shape $(C_\ell, C_\ell)$. So that layers of different sizes are comparable, we normalise
it by the number of elements of the feature map, $C_\ell H_\ell W_\ell$ (when
`normalize=True`, the default).

Implement `gram_matrix(features, normalize=True)`, vectorised (no Python loops).
""", "gram_matrix_md")

    test(r"""
{{IN_GRAM}}

gram = gram_matrix(features)
assert_close("gram_matrix(features)", gram, {{gram}}, rtol=1e-9)
gram_raw = gram_matrix(features, normalize=False)
assert_close("gram_matrix(features, normalize=False)", gram_raw, {{gram_unnormalized}}, rtol=1e-9)
print("gram_matrix: visible check passed")

### BEGIN HIDDEN TESTS
def _gram_ref(f, normalize):
    g = np.einsum("chw,dhw->cd", f.astype(np.float64), f.astype(np.float64))
    return g / f.size if normalize else g


_rng = np.random.default_rng(602)
for _shape in [(6, 3, 7), (1, 2, 2), (4, 5, 1), (2, 1, 9)]:
    _f = _rng.standard_normal(_shape)
    for _normalize in (True, False):
        assert_close(f"gram_matrix of features of shape {_shape}, normalize={_normalize}",
                     gram_matrix(_f, normalize=_normalize), _gram_ref(_f, _normalize), rtol=1e-9)
# float32 features, as the network produces them (float32 or float64 results both pass)
_f = np.abs(_rng.standard_normal((16, 9, 11))).astype(np.float32)
assert_close("gram_matrix of float32 features of shape (16, 9, 11)", gram_matrix(_f), _gram_ref(_f, True), rtol=1e-4)
### END HIDDEN TESTS
""", "gram_matrix_test", 2)

    md(r"""
To backpropagate the style loss to the image we need the gradient through the Gram
matrix. Given the upstream derivative $\frac{\partial L}{\partial G}$ (shape
$(C_\ell, C_\ell)$; not symmetric in general), return $\frac{\partial L}{\partial F}$, of the
shape of the features. Remember that $G = F F^\top$ depends on $F$ through *both* factors.

Implement `gram_matrix_backward(dgram, features, normalize=True)`.
""", "gram_matrix_backward_md")

    test(r"""
rng = np.random.default_rng(231)
features = rng.standard_normal((4, 5, 6))
dgram = rng.standard_normal((4, 4))  # an arbitrary upstream derivative: not symmetric

dfeatures = gram_matrix_backward(dgram, features)
dfeatures_num = eval_numerical_gradient_array(lambda f: gram_matrix(f), features, dgram)
assert_gradient_close("dfeatures of gram_matrix_backward", dfeatures, dfeatures_num)
dfeatures_raw = gram_matrix_backward(dgram, features, normalize=False)
dfeatures_raw_num = eval_numerical_gradient_array(
    lambda f: gram_matrix(f, normalize=False), features, dgram
)
assert_gradient_close("dfeatures of gram_matrix_backward (normalize=False)", dfeatures_raw, dfeatures_raw_num)
print("gram_matrix_backward: visible check passed; relative errors",
      rel_error(dfeatures, dfeatures_num), rel_error(dfeatures_raw, dfeatures_raw_num))

### BEGIN HIDDEN TESTS
def _gram_ref(f, normalize):
    g = np.einsum("chw,dhw->cd", f, f)
    return g / f.size if normalize else g


_rng = np.random.default_rng(603)
for _shape in [(3, 4, 2), (1, 3, 3), (5, 1, 4), (2, 6, 1)]:
    _f = _rng.standard_normal(_shape)
    _dgram = _rng.standard_normal((_shape[0], _shape[0]))
    for _normalize in (True, False):
        _num = eval_numerical_gradient_array(lambda f, normalize=_normalize: _gram_ref(f, normalize), _f.copy(), _dgram)
        assert_gradient_close(f"gram_matrix_backward for features of shape {_shape}, normalize={_normalize}",
                              gram_matrix_backward(_dgram, _f, normalize=_normalize), _num)
### END HIDDEN TESTS
""", "gram_matrix_backward_test", 2)

    # ------------------------------------------------------------------ style loss
    md(r"""
## Style loss

The style loss compares the normalised Gram matrices of the current image, $G^\ell$, with
those of the style image, $A^\ell$, at a set of layers $\mathcal{L}$, each with its own
weight $w_\ell$:

$$L_s = \sum_{\ell \in \mathcal{L}} w_\ell \sum_{i,j} \left(G^\ell_{ij} - A^\ell_{ij}\right)^2 .$$

Implement `style_loss(feats, style_layers, style_targets, style_weights)`. `feats[layer]`
is the feature map $(C_\ell, H_\ell, W_\ell)$ of the current image at `layer`;
`style_targets` and `style_weights` give $A^\ell$ and $w_\ell$ for each layer of
`style_layers`, in the same order. Return the loss and a dict `dfeats` with the gradient
with respect to `feats[layer]` for every style layer. Use your `gram_matrix` and
`gram_matrix_backward`.
""", "style_loss_md")

    test(r"""
{{IN_STYLE}}

loss, dfeats = style_loss(feats, style_layers, style_targets, style_weights)
assert_close("loss of style_loss", loss, {{style_loss}}, rtol=1e-9)
assert isinstance(dfeats, dict) and all(layer in dfeats for layer in style_layers), \
    f"style_loss must return a dict with a gradient for every style layer {style_layers}"
for layer in style_layers:
    def loss_of(x, layer=layer):
        return style_loss({**feats, layer: x}, style_layers, style_targets, style_weights)[0]
    dfeats_num = eval_numerical_gradient(loss_of, feats[layer].copy(), verbose=False)
    assert_gradient_close(f"dfeats[{layer}] of style_loss", dfeats[layer], dfeats_num)
    print(f"style_loss: dfeats[{layer}] relative error", rel_error(dfeats[layer], dfeats_num))
print("style_loss: visible check passed")

### BEGIN HIDDEN TESTS
def _normalized_gram(f):
    return np.einsum("chw,dhw->cd", f, f) / f.size


def _style_ref(feats, layers, targets, weights):
    return sum(w * np.sum((_normalized_gram(feats[l]) - t) ** 2) for l, t, w in zip(layers, targets, weights, strict=True))


_rng = np.random.default_rng(604)
_cases = [
    (["relu_conv1", "fire3", "fire5"], [(3, 4, 5), (4, 3, 3), (2, 2, 6)], [0.3, 7.0, 1e-2]),
    ([6], [(5, 2, 3)], [40.0]),
    ([1, 4, 6, 7], [(2, 3, 3), (3, 2, 2), (4, 2, 1), (3, 1, 3)], [5.0, 0.1, 2.0, 0.7]),
]
for _layers, _shapes, _weights in _cases:
    _feats = {l: _rng.standard_normal(s) for l, s in zip(_layers, _shapes, strict=True)}
    _feats["unused"] = _rng.standard_normal((2, 2, 2))  # a layer that is not a style layer
    _targets = [_normalized_gram(_rng.standard_normal(s)) for s in _shapes]  # Gram matrices: symmetric
    _what = f"style_loss at layers {_layers} with weights {_weights}"
    _loss, _dfeats = style_loss(_feats, _layers, _targets, _weights)
    assert_close(f"loss of {_what}", _loss, _style_ref(_feats, _layers, _targets, _weights), rtol=1e-9)
    for _l in _layers:
        assert _l in _dfeats, f"{_what}: dfeats has no entry for layer {_l!r}"
        _num = eval_numerical_gradient(
            lambda x, l=_l, f=_feats, case=(_layers, _targets, _weights): _style_ref({**f, l: x}, *case),
            _feats[_l].copy(), verbose=False,
        )
        assert_gradient_close(f"dfeats[{_l!r}] of {_what}", _dfeats[_l], _num)
### END HIDDEN TESTS
""", "style_loss_test", 2)

    # ------------------------------------------------------------------ total variation
    md(r"""
## Total-variation regularisation

Left alone, the optimisation produces high-frequency noise. The total-variation loss
penalises differences between neighbouring pixels, vertically and horizontally, summed over
the three channels:

$$L_{tv} = w_t \sum_{c=1}^{3} \left( \sum_{i=1}^{H-1}\sum_{j=1}^{W} \left(x_{c,i+1,j} - x_{c,i,j}\right)^2
+ \sum_{i=1}^{H}\sum_{j=1}^{W-1} \left(x_{c,i,j+1} - x_{c,i,j}\right)^2 \right).$$

Implement `tv_loss(img, tv_weight)` for an image of shape $(3, H, W)$, vectorised: it
returns the loss and its gradient with respect to `img`.
""", "tv_loss_md")

    test(r"""
{{IN_TV}}

loss, grad = tv_loss(img, tv_weight)
assert_close("loss of tv_loss", loss, {{tv_loss}}, rtol=1e-9)
grad_num = eval_numerical_gradient(lambda x: tv_loss(x, tv_weight)[0], img, verbose=False)
assert_gradient_close("grad of tv_loss", grad, grad_num)
print("tv_loss: visible check passed; relative error of the gradient", rel_error(grad, grad_num))

### BEGIN HIDDEN TESTS
def _tv_ref(x, weight):
    total = 0.0
    channels, height, width = x.shape
    for c in range(channels):
        for i in range(height):
            for j in range(width):
                if i + 1 < height:
                    total += (x[c, i + 1, j] - x[c, i, j]) ** 2
                if j + 1 < width:
                    total += (x[c, i, j + 1] - x[c, i, j]) ** 2
    return weight * total


_rng = np.random.default_rng(605)
for _shape, _w in [((3, 5, 8), 0.7), ((3, 2, 6), 25.0), ((3, 6, 2), 1e-3), ((3, 4, 4), 1.0)]:
    _x = _rng.standard_normal(_shape)
    _what = f"tv_loss of an image of shape {_shape} with weight {_w}"
    _loss, _grad = tv_loss(_x, _w)
    assert_close(f"loss of {_what}", _loss, _tv_ref(_x, _w), rtol=1e-9)
    _num = eval_numerical_gradient(lambda x, w=_w: _tv_ref(x, w), _x.copy(), verbose=False)
    assert_gradient_close(f"grad of {_what}", _grad, _num)
### END HIDDEN TESTS
""", "tv_loss_test", 2)

    # ------------------------------------------------------------------ style transfer
    md(r"""
## Style transfer

Now put the pieces together. `style_transfer` (given, in `style_transfer.py`; read it)
starts from the content image and, at each of `num_iterations` steps:

1. runs SqueezeNet forward up to the deepest layer it needs and takes the features at the
   content layer and at the style layers;
2. computes the total loss $L = L_c + L_s + L_{tv}$ with your three functions, and the
   gradients of $L_c$ and $L_s$ with respect to those features;
3. backpropagates them to the image with `model.backward` (the gradients injected at
   several layers add up on the way down) and adds the gradient of $L_{tv}$;
4. takes an Adam step on the pixels, keeping them in the range 0..255.

As in CS231n we use the content layer 3 (`fire2`) and the style layers 1, 4, 6 and 7
(`relu_conv1`, `fire3`, `fire4`, `fire5`), shallow layers weighted most, on images whose
shorter side is 192 pixels. The photograph is a cup of coffee; the paintings are Van Gogh's
*The Starry Night* and Kandinsky's *Composition VII* (see `datasets/images/CARD.md`).
""", "style_transfer_md")

    code(r"""
model = SqueezeNet.from_file()
content_image = load_image("coffee", size=192)  # uint8 RGB (192, 288, 3)
style_images = {name: load_image(name, size=192) for name in ("starry_night", "composition_vii")}
style_titles = {"starry_night": "The Starry Night (Van Gogh)", "composition_vii": "Composition VII (Kandinsky)"}


def show_images(images, titles, save_as=None):
    # Images of different sizes side by side; the figure is also saved under OUTPUT.
    fig = plt.figure(figsize=(3.6 * len(images), 3.4), layout="constrained")
    plt.close(fig)  # displayed once, as the cell's result
    for ax, image, title in zip(fig.subplots(1, len(images)), images, titles, strict=True):
        ax.imshow(image)
        ax.set_title(title, fontsize="medium")
        ax.set_axis_off()
    if save_as is not None:
        fig.savefig(OUTPUT / save_as, dpi=80)
    return fig


show_images([content_image, *style_images.values()], ["content", *style_titles.values()])
""", "style_transfer_setup")

    md(r"""
The settings below give a visible transfer in 100 steps (about 10 seconds each run on an
idle machine). Keep them for the graded check; the cells at the end are the place to
experiment (other layers and weights, other images from `starter.images.STYLE_IMAGES` and
`CONTENT_IMAGES`).
""", "style_transfer_params_md")

    code(r"""
params = dict(
    content_layer=3, content_weight=1e-3,
    style_layers=(1, 4, 6, 7), style_weights=(3.0, 0.2, 0.1, 0.4),
    tv_weight=5e-3,
    num_iterations=100, learning_rate=20.0, decayed_lr=3.0, decay_at=80,
)
results = {}
name = "starry_night"
results[name] = style_transfer(model, content_image, style_images[name], **params)
print(f"{params['num_iterations']} steps in {results[name]['seconds']:.1f} s")
show_images([content_image, style_images[name], results[name]["image"]],
            ["content", style_titles[name], "result"], save_as=f"coffee_{name}.png")
""", "style_transfer_starry_night", timeout=RUN_TIMEOUT)

    code(r"""
name = "composition_vii"
results[name] = style_transfer(model, content_image, style_images[name], **params)
print(f"{params['num_iterations']} steps in {results[name]['seconds']:.1f} s")
show_images([content_image, style_images[name], results[name]["image"]],
            ["content", style_titles[name], "result"], save_as=f"coffee_{name}.png")
""", "style_transfer_composition_vii", timeout=RUN_TIMEOUT)

    md(r"""
The check below looks at the total loss before the first step and after the last: with
correct losses and gradients, 100 steps divide it by 5 or more for both paintings.
""", "style_transfer_check_md")

    test(r"""
assert set(results) == {"starry_night", "composition_vii"}, "run both style-transfer cells above first"
for name, result in results.items():
    first, last = result["loss_history"][0], result["loss_history"][-1]
    print(f"{name}: total loss {first:.4g} -> {last:.4g} (divided by {first / last:.1f})")
    assert np.isfinite(last) and last < first / 3, (
        f"style transfer with {name}: the total loss should drop by a factor of 3 or more, "
        f"it went from {first:.4g} to {last:.4g}; check the gradients of your losses"
    )
print("style transfer: visible check passed")

### BEGIN HIDDEN TESTS
# The loss of the start and of the result, recomputed independently of the student's losses.
_deepest = max(params["content_layer"], *params["style_layers"])


def _features(x):
    acts, _ = model.forward(x, upto=_deepest, return_activations=True)
    return {l: acts[l][0].astype(np.float64) for l in (params["content_layer"], *params["style_layers"])}


def _gram(f):
    return np.einsum("chw,dhw->cd", f, f, optimize=True) / f.size


def _true_loss(x, content, style):
    f = _features(x)
    total = params["content_weight"] * np.sum((f[params["content_layer"]] - content[params["content_layer"]]) ** 2)
    for l, w in zip(params["style_layers"], params["style_weights"], strict=True):
        total += w * np.sum((_gram(f[l]) - _gram(style[l])) ** 2)
    img = x[0].astype(np.float64)
    return total + params["tv_weight"] * (np.sum(np.diff(img, axis=1) ** 2) + np.sum(np.diff(img, axis=2) ** 2))


_x0 = preprocess(content_image)
_content = _features(_x0)
for _name, _result in results.items():
    _style = _features(preprocess(style_images[_name]))
    _before, _after = _true_loss(_x0, _content, _style), _true_loss(_result["x"], _content, _style)
    assert _after < _before / 3, f"style transfer with {_name}: the true total loss fell only from {_before:.4g} to {_after:.4g}"
    _reported = _result["loss_history"][-1]
    assert abs(_reported - _after) <= 1e-4 * _after, (
        f"style transfer with {_name}: the loss your functions report for the result ({_reported:.6g}) "
        f"differs from the true loss ({_after:.6g})"
    )
### END HIDDEN TESTS
""", "style_transfer_test", 2)

    # ------------------------------------------------------------------ optional
    md(r"""
## Texture synthesis (optional, not graded)

With the content weight set to 0 and a start from random noise, the same loop keeps only
the style: it synthesises a texture with the statistics of the painting. (Conversely, with
every style weight 0 and a random start, it reconstructs an image from its features alone:
*feature inversion*; try it with the content layer 3, then a deeper one such as 7.)
""", "texture_md")

    code(r"""
texture = style_transfer(
    model, load_image("coffee", size=128), style_images["starry_night"],
    **{**params, "content_weight": 0.0}, init_random=True, print_every=0,
)
print(f"texture: total loss {texture['loss_history'][0]:.4g} -> {texture['loss_history'][-1]:.4g} "
      f"in {texture['seconds']:.1f} s; figures saved under {OUTPUT.resolve()}")
show_images([style_images["starry_night"], texture["image"]], ["style", "texture"],
            save_as="texture_starry_night.png")
""", "texture_synthesis", timeout=RUN_TIMEOUT)
