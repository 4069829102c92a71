"""Write the mutants of ``fc_net.py`` and ``cnn.py`` (run from the repository root).

Each mutant is the solution's method (or function) with one realistic edit,
written as a top-level ``def`` (methods keep their ``self``) in
``tests/mutants/<module>/<name>.py``. ``grading.mutants`` replaces top-level
functions only; ``tests/test_part2.py`` and ``tests/test_part3.py`` splice a
method into the class that defines it (see ``apply_class_mutant`` there).

Run ``python tools/part2/make_mutants.py`` after changing a solution module,
so that the mutants stay in step with it; every edit must apply exactly once.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions" / "dl"
OUT = ROOT / "tests" / "mutants"

HEADER = '''"""{description}"""

# ruff: noqa: F821, E501, UP031  (names come from the mutated module; lines follow the solution)
{imports}
KIND = "{kind}"


'''


def definition(module: str, name: str) -> str:
    """Source of ``name``: a top-level function, or a method of the module's class (indented)."""
    source = (SOLUTIONS / f"{module}.py").read_text()
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return "".join(lines[node.lineno - 1 : node.end_lineno])
    raise KeyError(f"{module}.py defines no {name}")


def mutant(module, name, kind, description, target, edits, imports=""):
    text = definition(module, target)
    for old, new in edits:
        count = text.count(old)
        if count != 1:
            raise SystemExit(f"{module}/{name}: edit {old!r} matches {count} times")
        text = text.replace(old, new)
    text = textwrap.dedent(text)
    path = OUT / module / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(description=description, kind=kind, imports=imports) + text)


# ---------------------------------------------------------------- fc_net
FC = "fc_net"
mutant(FC, "reg_loss_without_half", "bug",
       "The L2 penalty is reg * sum(W**2) (no 0.5) while the gradient stays reg * W.", "loss",
       [("loss += 0.5 * self.reg * np.sum(W * W)", "loss += self.reg * np.sum(W * W)")])
mutant(FC, "reg_gradient_missing", "bug",
       "The L2 penalty is added to the loss but not to the weight gradients.", "loss",
       [("grads[f\"W{i}\"] += self.reg * W\n", "")])
mutant(FC, "reg_includes_biases", "bug",
       "Biases are regularized too (penalty and gradient).", "loss",
       [("""            grads[f"W{i}"] += self.reg * W
""", """            grads[f"W{i}"] += self.reg * W
            b = self.params[f"b{i}"]
            loss += 0.5 * self.reg * np.sum(b * b)
            grads[f"b{i}"] += self.reg * b
""")])
mutant(FC, "dropout_backward_skipped", "bug",
       "The backward pass skips dropout: upstream gradients are not masked.", "loss",
       [("""            if self.use_dropout:
                dh = dropout_backward(dh, layer["dropout"])
""", "")])
mutant(FC, "bn_gamma_beta_grads_swapped", "bug",
       "The gradients of gamma and beta are stored under each other's names.", "loss",
       [('dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward',
         'dh, grads[f"beta{i}"], grads[f"gamma{i}"] = batchnorm_backward')])
mutant(FC, "relu_on_scores", "bug",
       "A ReLU follows the last affine layer too, so negative scores are clipped.", "loss",
       [("""        scores, last_cache = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
""", """        scores, last_cache = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        scores, last_relu = relu_forward(scores)
"""), ("""        loss, dscores = softmax_loss(scores, y)
""", """        loss, dscores = softmax_loss(scores, y)
        dscores = relu_backward(dscores, last_relu)
""")])
mutant(FC, "no_relu_between_layers", "bug",
       "The hidden layers have no ReLU: the network is linear.", "loss",
       [("            h, layer[\"relu\"] = relu_forward(h)\n", ""),
        ("            dh = relu_backward(dh, layer[\"relu\"])\n", "")])
mutant(FC, "bn_after_relu", "bug",
       "Batch norm comes after the ReLU instead of before it (consistently in both passes).", "loss",
       [("""            if self.normalization == "batchnorm":
                h, layer["bn"] = batchnorm_forward(
                    h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1]
                )
            h, layer["relu"] = relu_forward(h)
""", """            h, layer["relu"] = relu_forward(h)
            if self.normalization == "batchnorm":
                h, layer["bn"] = batchnorm_forward(
                    h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1]
                )
"""), ("""            dh = relu_backward(dh, layer["relu"])
            if self.normalization == "batchnorm":
                dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dh, layer["bn"])
""", """            if self.normalization == "batchnorm":
                dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dh, layer["bn"])
            dh = relu_backward(dh, layer["relu"])
""")])
mutant(FC, "bn_backward_before_relu_backward", "bug",
       "The backward pass goes through batch norm before the ReLU (wrong order).", "loss",
       [("""            dh = relu_backward(dh, layer["relu"])
            if self.normalization == "batchnorm":
                dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dh, layer["bn"])
""", """            if self.normalization == "batchnorm":
                dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dh, layer["bn"])
            dh = relu_backward(dh, layer["relu"])
""")])
mutant(FC, "uniform_weights", "bug",
       "Weights are drawn from a uniform distribution on [0, weight_scale) (np.random.rand).", "__init__",
       [("weight_scale * np.random.randn(fan_in, fan_out)", "weight_scale * np.random.rand(fan_in, fan_out)")])
mutant(FC, "bn_params_on_last_layer", "bug",
       "The output layer gets a gamma and beta too (never used, so their gradients are missing).",
       "__init__",
       [("if normalization == \"batchnorm\" and i < self.num_layers:", "if normalization == \"batchnorm\":")])
mutant(FC, "alt_normal_init", "alternative",
       "Weights drawn with np.random.normal(0, weight_scale, shape), hidden layers before the output layer.",
       "__init__",
       [("""        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(1, self.num_layers + 1):
            fan_in, fan_out = dims[i - 1], dims[i]
            self.params[f"W{i}"] = weight_scale * np.random.randn(fan_in, fan_out)
            self.params[f"b{i}"] = np.zeros(fan_out)
            if normalization == "batchnorm" and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(fan_out)
                self.params[f"beta{i}"] = np.zeros(fan_out)
""", """        prev = input_dim
        for i, width in enumerate(hidden_dims, start=1):
            self.params["W%d" % i] = np.random.normal(0.0, weight_scale, size=(prev, width))
            self.params["b%d" % i] = np.zeros(width)
            if normalization == "batchnorm":
                self.params["gamma%d" % i] = np.ones(width)
                self.params["beta%d" % i] = np.zeros(width)
            prev = width
        L = self.num_layers
        self.params["W%d" % L] = np.random.normal(0.0, weight_scale, size=(prev, num_classes))
        self.params["b%d" % L] = np.zeros(num_classes)
""")])
mutant(FC, "alt_loss_cache_list_reg_first", "alternative",
       "loss with a flat list of (kind, cache) pairs unwound in reverse, the L2 penalty added first.",
       "loss",
       [("""        caches = []
        h = X
        for i in range(1, self.num_layers):
            layer = {}
            h, layer["affine"] = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            if self.normalization == "batchnorm":
                h, layer["bn"] = batchnorm_forward(
                    h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1]
                )
            h, layer["relu"] = relu_forward(h)
            if self.use_dropout:
                h, layer["dropout"] = dropout_forward(h, self.dropout_param)
            caches.append(layer)
        L = self.num_layers
        scores, last_cache = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
""", """        stack = []
        h = X.reshape(X.shape[0], -1)
        L = self.num_layers
        for i in range(1, L + 1):
            h, c = affine_forward(h, self.params["W%d" % i], self.params["b%d" % i])
            stack.append(("affine", i, c))
            if i == L:
                break
            if self.normalization == "batchnorm":
                h, c = batchnorm_forward(h, self.params["gamma%d" % i], self.params["beta%d" % i],
                                         self.bn_params[i - 1])
                stack.append(("bn", i, c))
            h, c = relu_forward(h)
            stack.append(("relu", i, c))
            if self.use_dropout:
                h, c = dropout_forward(h, self.dropout_param)
                stack.append(("dropout", i, c))
        scores = h
"""), ("""        loss, dscores = softmax_loss(scores, y)
        dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, last_cache)
        for i in range(L - 1, 0, -1):
            layer = caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, layer["dropout"])
            dh = relu_backward(dh, layer["relu"])
            if self.normalization == "batchnorm":
                dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dh, layer["bn"])
            dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, layer["affine"])
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] += self.reg * W
""", """        weights = [self.params["W%d" % i] for i in range(1, L + 1)]
        loss = 0.5 * self.reg * sum(np.sum(W**2) for W in weights)
        data_loss, dh = softmax_loss(scores, y)
        loss += data_loss
        for kind, i, c in reversed(stack):
            if kind == "affine":
                dh, dW, db = affine_backward(dh, c)
                grads["W%d" % i] = dW + self.reg * self.params["W%d" % i]
                grads["b%d" % i] = db
            elif kind == "bn":
                dh, grads["gamma%d" % i], grads["beta%d" % i] = batchnorm_backward(dh, c)
            elif kind == "relu":
                dh = relu_backward(dh, c)
            else:
                dh = dropout_backward(dh, c)
""")])

print("wrote", sorted(p.name for p in (OUT / FC).glob("*.py")))
