"""Part 2's warm-up on two classes and its softmax-regression cells, added to the generated notebook.

``make_notebook.py`` builds the MNIST part; ``add_binary_section(nb)`` then gives it the
binary-classifier section (breast-cancer data, ``BinaryClassifier`` checks, the four variants
trained, ROC and score histograms, graded accuracies), softmax regression beside one hidden
layer, the course intro that mentions both, and the two written questions of the part.
"""

import copy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from written_questions import code, index, insert_after, md, written  # noqa: E402

INTRO = """# Part 2: Binary classifiers, then a fully connected network on MNIST

In this part you first train binary classifiers (logistic regression and a support vector
machine) on a small medical data set, then assemble the layers of Part 1 into a fully
connected network of any depth, check it, and train it on MNIST handwritten digits with the
`Solver` of the `starter` package:

- `fc_net.py`: `BinaryClassifier`, logistic regression or an SVM with no hidden layer or one;
  and `FullyConnectedNet`, with optional batch normalization and dropout and L2
  regularization; the architecture is
  $\\{\\text{affine} - [\\text{batch norm}] - \\text{relu} - [\\text{dropout}]\\} \\times (L - 1) -
  \\text{affine} - \\text{softmax}$.

It uses your `layers.py` and `optim.py` from Part 1: finish those first.

**How you are graded.** The test cells below are worth 24 points. Each runs a visible
check you can run yourself, and the graders add hidden tests (other depths, sizes,
regularization strengths and data types), so make your code correct in general. Some test
cells grade the accuracy of the models you train: each binary classifier at least **0.94**
on the validation set, softmax regression at least **0.91**, and your best MNIST network at
least **0.975** on the validation set and **0.97** on the test set. Training runs under a
time limit: the final training cell must finish within 3 minutes (the solution needs well
under one). Two written questions (4 points) are graded by hand."""

binary = [
    md("binary_md", r"""
## Warm-up: two classes

Before ten digits, two classes. The Wisconsin diagnostic breast-cancer data describe 569
breast tumours by 30 features measured on a digitised image of a fine-needle aspirate
(radius, texture, concavity, ... of the cell nuclei: their mean, standard error and worst
value); the label says whether the tumour is malignant (1) or benign (0).
`load_breast_cancer()` returns a fixed split of 341 training, 113 validation and 115 test
examples, standardised with the mean and standard deviation of the training set (see
`datasets/breast_cancer/CARD.md`). Two of the features already separate the classes well:
"""),
    code("binary_data", r"""
bc_data = load_breast_cancer()
for split in ("train", "val", "test"):
    print(f"{split:>5}: X {bc_data[f'X_{split}'].shape}, {np.mean(bc_data[f'y_{split}']):.0%} malignant")
binary_data = {key: bc_data[key] for key in ("X_train", "y_train", "X_val", "y_val")}

names = list(bc_data["feature_names"])
i, j = names.index("worst radius"), names.index("worst concave points")
fig, ax = plt.subplots(figsize=(5, 3.5))
for label, colour, text in ((0, "tab:blue", "benign"), (1, "tab:red", "malignant")):
    rows = bc_data["y_train"] == label
    ax.scatter(bc_data["X_train"][rows, i], bc_data["X_train"][rows, j], s=8, c=colour, label=text)
ax.set_xlabel(f"{names[i]} (standardised)")
ax.set_ylabel(f"{names[j]} (standardised)")
ax.legend()
plt.show()
"""),
    md("binary_model_md", r"""
## A binary classifier

With two classes one score per example is enough. `BinaryClassifier` in `fc_net.py`
computes a score $s$ for the positive class, either with no hidden layer ($s = x w + b$, a
linear classifier) or with one hidden layer of ReLU units, and trains it with one of the
binary losses of Part 1: `logistic_loss` (logistic regression: $s$ is the log-odds of class
1 and $\sigma(s)$ its probability) or `hinge_loss` (a support vector machine: $s$ is a
margin). It predicts class 1 where $s > 0$.

Read its docstring and implement `__init__` and `loss`: `loss(X)` returns the scores, of
shape `(N,)`; `loss(X, y)` returns the loss plus the L2 regularization
$\frac{\lambda}{2}\sum_l \lVert W_l \rVert^2$ and the gradients. The check compares the
parameters' shapes, the scores and the losses with values computed independently.
"""),
    code("binary_classifier_loss_test", r"""
N, D, H = 4, 5, 3
X = np.linspace(-2.0, 2.5, num=N * D).reshape(D, N).T
y = np.array([1, 0, 0, 1])

for hidden_dim, shapes in [(None, {"W1": (D, 1), "b1": (1,)}),
                           (H, {"W1": (D, H), "b1": (H,), "W2": (H, 1), "b2": (1,)})]:
    model = BinaryClassifier(input_dim=D, hidden_dim=hidden_dim, weight_scale=0.1)
    got = {name: value.shape for name, value in model.params.items()}
    assert got == shapes, f"BinaryClassifier(hidden_dim={hidden_dim}): parameters {got}, expected {shapes}"
    assert all(value.dtype == np.float32 for value in model.params.values()), "parameters must be float32 by default"
    assert all(np.all(model.params[name] == 0) for name in shapes if name.startswith("b")), "biases must start at zero"

for loss_name, expected_loss in [("logistic", 1.06112253648), ("hinge", 1.40986842105)]:
    model = BinaryClassifier(input_dim=D, loss=loss_name, dtype=np.float64)
    model.params["W1"] = np.linspace(-0.3, 0.5, num=D).reshape(D, 1)
    model.params["b1"] = np.array([-0.2])
    assert_close("scores of the linear BinaryClassifier", model.loss(X),
                 np.array([1.64210526316, 1.76052631579, 1.87894736842, 1.99736842105]), rtol=1e-8)
    assert_close(f"{loss_name} loss of the linear BinaryClassifier", model.loss(X, y)[0], expected_loss, rtol=1e-8)

for loss_name, expected in [("logistic", (0.836265126315, 1.41840798346)), ("hinge", (1.04815789474, 1.63030075188))]:
    model = BinaryClassifier(input_dim=D, hidden_dim=H, loss=loss_name, dtype=np.float64)
    model.params["W1"] = np.linspace(-0.6, 0.4, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.2, 0.3, num=H)
    model.params["W2"] = np.linspace(-0.5, 0.7, num=H).reshape(H, 1)
    model.params["b2"] = np.array([0.1])
    assert_close("scores with a hidden layer", model.loss(X),
                 np.array([0.994699248120, 1.06067669173, 1.12665413534, 1.19263157895]), rtol=1e-8)
    for reg, value in zip((0.0, 0.5), expected):
        model.reg = reg
        assert_close(f"{loss_name} loss with a hidden layer, reg = {reg}", model.loss(X, y)[0], value, rtol=1e-8)
print("BinaryClassifier: visible checks passed")

### BEGIN HIDDEN TESTS
def _binary_reference(params, X, y, reg, loss_name):
    h = X.reshape(len(X), -1)
    if "W2" in params:
        h = np.maximum(h @ params["W1"] + params["b1"], 0)
        s = (h @ params["W2"] + params["b2"])[:, 0]
    else:
        s = (h @ params["W1"] + params["b1"])[:, 0]
    z = (2 * y - 1) * s
    data_loss = np.mean(np.logaddexp(0, -z)) if loss_name == "logistic" else np.mean(np.maximum(0, 1 - z))
    return s, data_loss + 0.5 * reg * sum(np.sum(params[k] ** 2) for k in params if k.startswith("W"))

_rng = np.random.default_rng(17)
for _hidden, _loss_name, _reg in [(None, "logistic", 0.0), (None, "hinge", 0.8), (7, "logistic", 0.3),
                                  (12, "hinge", 0.0), (5, "hinge", 1.1), (1, "logistic", 2.0)]:
    _m = BinaryClassifier(input_dim=6, hidden_dim=_hidden, loss=_loss_name, reg=_reg, dtype=np.float64)
    for _k in _m.params:
        _m.params[_k] = _rng.standard_normal(_m.params[_k].shape)
    _X = _rng.standard_normal((9, 2, 3))
    _y = _rng.integers(2, size=9)
    _s, _l = _binary_reference(_m.params, _X, _y, _reg, _loss_name)
    _what = f"BinaryClassifier(hidden_dim={_hidden}, loss={_loss_name!r}, reg={_reg})"
    assert np.shape(_m.loss(_X)) == (9,), f"{_what}: scores must have shape (N,)"
    assert_close(f"{_what} scores", _m.loss(_X), _s, rtol=1e-7)
    assert_close(f"{_what} loss", _m.loss(_X, _y)[0], _l, rtol=1e-7)
# Large scores: the loss stays finite.
_m = BinaryClassifier(input_dim=6, loss="logistic", dtype=np.float64)
_m.params["W1"] = np.full((6, 1), 300.0)
_X = np.ones((4, 6))
assert np.isfinite(_m.loss(_X, np.array([0, 0, 1, 1]))[0]), "the logistic loss must stay finite for large scores"
# Initialization: weight_scale, zero biases, dtype.
_m = BinaryClassifier(input_dim=300, hidden_dim=40, weight_scale=0.2, dtype=np.float64)
assert 0.18 < _m.params["W1"].std() < 0.22, "W1 does not have standard deviation weight_scale"
assert _m.params["W2"].shape == (40, 1) and _m.params["b2"].shape == (1,), "W2 must be (H, 1) and b2 (1,)"
assert all(_v.dtype == np.float64 for _v in _m.params.values()), "the dtype argument is not honoured"
assert _m.loss(_rng.standard_normal((3, 300))).dtype == np.float64, "with dtype=np.float64 the scores must be float64"
### END HIDDEN TESTS
""", points=2),
    md("binary_grad_md", r"""
Now the gradients of `BinaryClassifier.loss`, compared with numeric ones
(`check_model_gradients`, defined at the top of the notebook) in float64, for both losses,
with and without a hidden layer, with and without regularization. The hinge loss has a kink
where a margin is exactly 1 and the ReLU one at 0; random parameters keep the check away from
both.
"""),
    code("binary_classifier_gradient_test", r"""
rng = np.random.default_rng(231)
N, D, H = 12, 8, 6
X = rng.standard_normal((N, D))
y = rng.integers(2, size=N)
for loss_name in ("logistic", "hinge"):
    for hidden_dim in (None, H):
        for reg in (0.0, 0.7):
            seed_everything(231)
            model = BinaryClassifier(input_dim=D, hidden_dim=hidden_dim, loss=loss_name, reg=reg,
                                     dtype=np.float64)
            randomize_params(model, seed=0, scale=0.5)
            loss = check_model_gradients(model, X, y, f"loss={loss_name!r}, hidden_dim={hidden_dim}, reg={reg}")
            print(f"loss={loss_name!r:>10}, hidden_dim={hidden_dim}, reg={reg}: loss {loss:.6f}, gradients match")

### BEGIN HIDDEN TESTS
for _loss_name, _hidden, _reg, _shape in [("logistic", None, 2.1, (9, 5)), ("hinge", None, 0.0, (9, 2, 3)),
                                          ("logistic", 20, 0.05, (9, 11)), ("hinge", 9, 1.3, (9, 3)),
                                          ("hinge", 15, 0.0, (9, 4, 2))]:
    seed_everything(3)
    _D = int(np.prod(_shape[1:]))
    _m = BinaryClassifier(input_dim=_D, hidden_dim=_hidden, loss=_loss_name, reg=_reg, dtype=np.float64)
    randomize_params(_m, seed=5, scale=0.6)
    _X = rng.standard_normal(_shape)
    _y = rng.integers(2, size=_shape[0])
    check_model_gradients(_m, _X, _y, f"hidden test, loss={_loss_name!r}, hidden_dim={_hidden}, reg={_reg}")
### END HIDDEN TESTS
""", points=2),
    md("binary_train_md", r"""
## Training the four variants

The cell below trains each variant (logistic or hinge loss, with no hidden layer or one of
32 units) with the `Solver` and Adam on the 341 training examples. For a model whose
`loss(X)` returns one score per example, the `Solver` predicts class 1 where the score is
positive; it keeps the parameters of the epoch with the best validation accuracy. Each run
takes well under a second.
"""),
    code("binary_train", r"""
binary_models, binary_solvers = {}, {}
for loss_name in ("logistic", "hinge"):
    for hidden_dim in (None, 32):
        name = f"{loss_name}, " + ("no hidden layer" if hidden_dim is None else f"{hidden_dim} hidden units")
        seed_everything(0)
        model = BinaryClassifier(input_dim=30, hidden_dim=hidden_dim, loss=loss_name, reg=1e-2,
                                 weight_scale=1e-1)
        solver = Solver(model, binary_data, update_rule=adam, optim_config={"learning_rate": 3e-3},
                        num_epochs=50, batch_size=32, verbose=False, progress=False, seed=0)
        solver.train()
        binary_models[name], binary_solvers[name] = model, solver
        print(f"{name:>27}: best validation accuracy {solver.best_val_acc:.3f}")
""", timeout=120),
    md("binary_plot_md", r"""
### How good are the decisions?

Accuracy counts the examples on the right side of the threshold 0. The ROC curve (receiver
operating characteristic) looks at every threshold at once: lowering the threshold $t$ from
$+\infty$ to $-\infty$, it traces the true-positive rate (the fraction of malignant tumours
scoring above $t$) against the false-positive rate (the fraction of benign ones above $t$).
A perfect ranking goes straight up the left edge; the area under the curve (AUC) is the
probability that a random malignant example scores above a random benign one. The
histograms show the validation scores of each class: compare the logistic and hinge models
before you answer the written question below.
"""),
    code("binary_plot", r"""
def roc_curve(scores, y):
    # False- and true-positive rates as the threshold sweeps the sorted scores, and the AUC.
    order = np.argsort(-scores, kind="stable")
    hits = y[order]
    tpr = np.concatenate([[0.0], np.cumsum(hits) / hits.sum()])
    fpr = np.concatenate([[0.0], np.cumsum(1 - hits) / (1 - hits).sum()])
    auc = np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2)
    return fpr, tpr, auc


y_val = bc_data["y_val"]
fig, axes = plt.subplots(1, 5, figsize=(19, 3.6))
axes[0].plot([0, 1], [0, 1], "k:", lw=0.8)
for ax, (name, model) in zip(axes[1:], binary_models.items()):
    scores = model.loss(bc_data["X_val"])
    fpr, tpr, auc = roc_curve(scores, y_val)
    axes[0].plot(fpr, tpr, label=f"{name} (AUC {auc:.3f})")
    bins = np.linspace(scores.min(), scores.max(), 25)
    ax.hist(scores[y_val == 0], bins=bins, alpha=0.6, color="tab:blue", label="benign")
    ax.hist(scores[y_val == 1], bins=bins, alpha=0.6, color="tab:red", label="malignant")
    ax.axvline(0, color="k", lw=0.8)
    ax.set_title(f"{name}\nvalidation accuracy {np.mean((scores > 0) == y_val):.3f}", fontsize=9)
    ax.set_xlabel("score")
axes[0].set_xlabel("false-positive rate")
axes[0].set_ylabel("true-positive rate")
axes[0].set_title("ROC on the validation set", fontsize=9)
axes[0].legend(fontsize=7, loc="lower right")
axes[1].legend(fontsize=8)
plt.tight_layout()
plt.show()
"""),
    md("binary_accuracy_md", r"""
The four cells below grade the validation accuracy of each variant: at least **0.94** (the
solution reaches 0.97 to 0.99 with the settings above). Their hidden tests also look at the
test set.
"""),
]

for loss_name in ("logistic", "hinge"):
    for hidden_dim, depth in ((None, "linear"), (32, "hidden")):
        name = f"{loss_name}, " + ("no hidden layer" if hidden_dim is None else f"{hidden_dim} hidden units")
        params = ["W1", "b1"] if hidden_dim is None else ["W1", "W2", "b1", "b2"]
        binary.append(code(f"binary_{loss_name}_{depth}_accuracy_test", f"""
name = "{name}"
assert name in binary_models, f"binary_models has no model {{name!r}}: run the training cell above"
val_acc = np.mean((binary_models[name].loss(bc_data["X_val"]) > 0) == bc_data["y_val"])
print(f"{{name}}: validation accuracy {{val_acc:.4f}}")
assert val_acc >= 0.94, f"{{name}}: validation accuracy {{val_acc:.4f}} is below 0.94"

### BEGIN HIDDEN TESTS
_m = binary_models[name]
assert isinstance(_m, BinaryClassifier) and sorted(_m.params) == {params!r}, \\
    f"hidden test: binary_models[{{name!r}}] is not the model trained above"
_fresh = load_breast_cancer()
for _split, _threshold in (("val", 0.94), ("test", 0.9)):
    _acc = np.mean((_m.loss(_fresh[f"X_{{_split}}"]) > 0) == _fresh[f"y_{{_split}}"])
    assert _acc >= _threshold, f"hidden test: {{name}}: {{_split}} accuracy {{_acc:.4f}} is below {{_threshold}}"
### END HIDDEN TESTS
""", points=1))

binary += [
    md("binary_question_prompt", r"""
## Written question (2 points): logistic and hinge scores

Look at the score histograms above. How do the scores of the logistic models and of the
SVMs differ, and why does each loss produce that shape? Which model's scores would you turn
into a probability of malignancy for a doctor, and how (or what would you have to do first
with the other)? Answer in a few sentences in the cell below.
"""),
    written("binary_question", 2, r"""
The logistic loss never reaches zero: every example, even one classified correctly by a wide
margin, keeps pushing its score outwards (with a gradient $\sigma(-s_i z_i)$ that only fades
as the score grows), so the scores spread out and estimate log-odds: $\sigma(s)$ is an
estimate of $P(y = 1 \mid x)$, and on held-out data it is roughly calibrated (regularisation
and over-fitting aside). The hinge loss is exactly zero once an example is beyond margin 1 on
the correct side, so those examples stop contributing: the SVM's scores crowd just beyond
$\pm 1$, and only the examples near or inside the margin (the support vectors) shape the
decision boundary. In the histograms above the SVMs' scores span a narrower range than the
logistic models' (about $-5$ to $10$ against $-8$ to $15$), with the benign mass just beyond
$-1$: once past the margin an example gets no further push, and regularisation pulls the
weights, hence the scores, back in. An SVM score is a distance-like margin, not a log-odds: its
magnitude carries little calibrated meaning beyond the sign.

For probabilities use the logistic model, $p = \sigma(s) = 1 / (1 + e^{-s})$. The SVM's
scores would first have to be calibrated on held-out data, e.g. with Platt scaling (fit
$\sigma(a s + b)$ on a validation set) or isotonic regression.
""", r"""
- 1 pt: the shapes and their cause: logistic scores spread out because the loss keeps
  rewarding larger margins (never zero, gradient fades only gradually); hinge scores cluster
  near $\pm 1$ because the loss and its gradient are exactly zero beyond the margin (only
  support vectors matter). Half a point for a correct description without the reason.
- 1 pt: logistic scores are log-odds, $\sigma(s)$ gives (approximately calibrated)
  probabilities; SVM scores are not probabilities and need calibration on held-out data
  (Platt scaling / isotonic regression, or at least a fitted sigmoid). Half a point if the
  SVM part is missing.
"""),
]
softmax_regression = [
    md("softmax_regression_md", r"""
## Softmax regression: no hidden layer at all

`FullyConnectedNet([])` has a single affine layer: it is softmax regression (multinomial
logistic regression), a linear classifier, the ten-class sibling of the logistic model of
the warm-up. The cell below trains it on the whole training set next to a network with one
hidden layer of 64 units, with the same optimizer and schedule for five epochs, and plots
both. How much does one hidden layer buy on MNIST?
"""),
    code("softmax_regression", r"""
linear_vs_hidden, softmax_model = {}, None
for label, hidden in (("softmax regression", []), ("one hidden layer of 64 units", [64])):
    seed_everything(0)
    model = FullyConnectedNet(hidden, weight_scale=5e-2 if hidden else 1e-2)
    solver = Solver(model, data, update_rule=adam, optim_config={"learning_rate": 3e-3},
                    lr_decay=0.8, num_epochs=5, batch_size=200, num_val_samples=None,
                    verbose=False, progress=False, seed=0)
    solver.train()
    linear_vs_hidden[label] = solver
    print(f"{label:>29}: best validation accuracy {solver.best_val_acc:.4f}")
softmax_model = linear_vs_hidden["softmax regression"].model
plot_training_curves(linear_vs_hidden, title="Softmax regression and one hidden layer", smooth=20)
""", timeout=180),
    code("softmax_regression_accuracy_test", r"""
assert softmax_model is not None, "no softmax_model: run the softmax regression cell above"
val_acc = np.mean(softmax_model.loss(data["X_val"]).argmax(axis=1) == data["y_val"])
print(f"softmax regression: validation accuracy {val_acc:.4f}")
assert val_acc >= 0.91, f"softmax regression: validation accuracy {val_acc:.4f} is below 0.91"

### BEGIN HIDDEN TESTS
assert isinstance(softmax_model, FullyConnectedNet) and sorted(softmax_model.params) == ["W1", "b1"], \
    "hidden test: softmax_model must be FullyConnectedNet([]) with only W1 and b1"
_fresh = load_mnist(num_train=1)
_pred = np.concatenate([softmax_model.loss(_fresh["X_val"][i:i + 1000]).argmax(axis=1)
                        for i in range(0, len(_fresh["X_val"]), 1000)])
assert np.mean(_pred == _fresh["y_val"]) >= 0.91, "hidden test: softmax regression below 0.91 on validation"
### END HIDDEN TESTS
""", points=1),
]
END_CELLS = [
    md("exploding_loss_prompt", r"""
## Written question (2 points): when the loss explodes

You start training a new network and the loss printed by the `Solver` climbs to huge values
within a few dozen iterations and then becomes `nan`. Name the likely causes, how you would
tell which one it is, and what you would change, in order of what you would try first.
"""),
    written("exploding_loss", 2, r"""
The most likely cause is a **learning rate that is too high**: each step overshoots the
minimum along the steep directions, the weights and scores grow, and the softmax/logistic
loss overflows to `inf`/`nan`. Check it by lowering the learning rate by a factor of 10
(then tuning by factors of about 3): if the loss now decreases, that was it. A learning-rate
decay or a short warm-up helps too.

Other causes, and their checks:
- **Bad initialisation** (`weight_scale` too large, so activations and scores blow up layer
  by layer in a deep net): the loss is already far above $\log C$ at the first iteration.
  Use a smaller scale (He/Xavier, $\sqrt{2/\text{fan in}}$), or batch normalisation.
- **A bug in the gradient** (wrong sign, missing factor $1/N$, regularisation gradient not
  matching the penalty): the gradient check fails; the loss may rise even at tiny learning
  rates.
- **Numerically unstable loss** (softmax without subtracting the maximum score, $\log 0$):
  `nan`/`inf` appear even for moderate scores; use the stable formulation.
- **Bad data** (unnormalised inputs with large values, `nan`s in the data): check the input
  statistics.

Further remedies: gradient clipping, a smaller batch-size-adjusted rate, Adam instead of
plain SGD (it normalises step sizes), and watching the ratio of update size to weight size
(about $10^{-3}$ is healthy).
""", r"""
- 1 pt: the learning rate as the first suspect, with the fix (reduce it by factors of 10,
  or decay / warm up) and a way to confirm it (the loss decreases at a smaller rate).
- 1 pt: at least two other causes with a check or remedy each: initialisation too large
  (loss far above $\log C$ at the start), gradient bug (gradient check), numerically
  unstable loss (shift by the maximum), unnormalised or corrupt data, no clipping.
  Half a point for one.
"""),
]


def add_binary_section(nb) -> None:
    """Intro, setup imports, the binary section after the setup cell, softmax regression
    after the width sweep, and a written question at the end."""
    intro = nb.cells[index(nb, "intro")]
    assert "worth 15 points" in intro.source, "the generated intro changed: update INTRO"
    intro.source = INTRO
    setup = nb.cells[index(nb, "setup")]
    assert "    load_mnist,\n" in setup.source and "from fc_net import FullyConnectedNet\n" in setup.source
    setup.source = setup.source.replace("    load_mnist,\n", "    load_breast_cancer,\n    load_mnist,\n", 1)
    setup.source = setup.source.replace("from fc_net import FullyConnectedNet\n",
                                        "from fc_net import BinaryClassifier, FullyConnectedNet\n", 1)
    insert_after(nb, "setup", copy.deepcopy(binary))
    insert_after(nb, "hidden_sweep", copy.deepcopy(softmax_regression))
    nb.cells += copy.deepcopy(END_CELLS)
