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
OUT = ROOT / "grading" / "mutation" / "mutants"

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


def mutant(module, name, kind, description, target, edits, imports="", extra=""):
    text = definition(module, target)
    for old, new in edits:
        count = text.count(old)
        if count != 1:
            raise SystemExit(f"{module}/{name}: edit {old!r} matches {count} times")
        text = text.replace(old, new)
    text = textwrap.dedent(text)
    path = OUT / module / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(description=description, kind=kind, imports=imports) + text + extra)


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

# ---------------------------------------------------------------- cnn
CNN = "cnn"
mutant(CNN, "block_relu_before_bn", "bug",
       "The block applies ReLU before spatial batch norm (in both passes).",
       "conv_bn_relu_pool_forward",
       [("""    an, bn_cache = spatial_batchnorm_forward(a, gamma, beta, bn_param)
    s, relu_cache = relu_forward(an)
""", """    ar, relu_cache = relu_forward(a)
    s, bn_cache = spatial_batchnorm_forward(ar, gamma, beta, bn_param)
""")])
mutant(CNN, "block_backward_skips_relu", "bug",
       "conv_bn_relu_pool_backward does not backpropagate through the ReLU.",
       "conv_bn_relu_pool_backward",
       [("    dan = relu_backward(ds, relu_cache)\n", "    dan = ds\n")])
mutant(CNN, "block_backward_skips_batchnorm", "bug",
       "conv_bn_relu_pool_backward passes the gradient straight through batch norm (gamma, beta grads still computed).",
       "conv_bn_relu_pool_backward",
       [("    da, dgamma, dbeta = spatial_batchnorm_backward(dan, bn_cache)\n",
         "    _, dgamma, dbeta = spatial_batchnorm_backward(dan, bn_cache)\n    da = dan\n")])
mutant(CNN, "block_fresh_bn_param", "bug",
       "The block gives batch norm a fresh bn_param each call, so running statistics are never kept.",
       "conv_bn_relu_pool_forward",
       [("spatial_batchnorm_forward(a, gamma, beta, bn_param)",
         "spatial_batchnorm_forward(a, gamma, beta, {\"mode\": bn_param[\"mode\"]})")])
mutant(CNN, "init_no_pool_in_flat_dim", "bug",
       "The first affine layer's fan-in ignores pooling: num_filters[-1] * H * W of the input.",
       "__init__",
       [("""        dims = [flat_dim, hidden_dim, num_classes] if self.has_hidden else [flat_dim, num_classes]""",
         """        flat_dim = num_filters[-1] * input_dim[1] * input_dim[2]
        dims = [flat_dim, hidden_dim, num_classes] if self.has_hidden else [flat_dim, num_classes]""")])
mutant(CNN, "init_he_uses_fan_out", "bug",
       "He initialization divides by the fan-out (F * k * k, or the layer's width) instead of the fan-in.",
       "__init__",
       [("fan_in = in_channels * filter_size * filter_size", "fan_in = F * filter_size * filter_size"),
        ("self.params[f\"W{i}\"] = weights((dims[j - 1], dims[j]), dims[j - 1])",
         "self.params[f\"W{i}\"] = weights((dims[j - 1], dims[j]), dims[j])")])
mutant(CNN, "loss_reg_skips_conv_weights", "bug",
       "Only the affine weights are regularized, not the convolution filters.", "loss",
       [("        for i in range(1, L + 1):\n            W = self.params[f\"W{i}\"]",
         "        for i in range(self.num_conv + 1, L + 1):\n            W = self.params[f\"W{i}\"]")])
mutant(CNN, "loss_dropout_after_output", "bug",
       "Dropout is applied to the scores instead of before the output layer.", "loss",
       [("""        if self.use_dropout:
            h, caches["dropout"] = dropout_forward(h, self.dropout_param)
        scores, caches["out"] = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
""", """        scores, caches["out"] = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        if self.use_dropout:
            scores, caches["dropout"] = dropout_forward(scores, self.dropout_param)
"""), ("""        loss, dh = softmax_loss(scores, y)
        dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dh, caches["out"])
        if self.use_dropout:
            dh = dropout_backward(dh, caches["dropout"])
""", """        loss, dh = softmax_loss(scores, y)
        if self.use_dropout:
            dh = dropout_backward(dh, caches["dropout"])
        dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dh, caches["out"])
""")])
mutant(CNN, "loss_hidden_relu_missing", "bug",
       "The hidden affine layer of the head has no ReLU.", "loss",
       [("            h, caches[\"relu\"] = relu_forward(h)\n", ""),
        ("            dh = relu_backward(dh, caches[\"relu\"])\n", "")])
mutant(CNN, "alt_block_private_bn_relu_helper", "alternative",
       "The block reuses conv_relu_pool-style helpers: conv, then a private batch norm + ReLU helper, then pooling.",
       "conv_bn_relu_pool_forward",
       [("""    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    an, bn_cache = spatial_batchnorm_forward(a, gamma, beta, bn_param)
    s, relu_cache = relu_forward(an)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    cache = (conv_cache, bn_cache, relu_cache, pool_cache)
""", """    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    s, bn_relu_cache = _bn_relu_forward(a, gamma, beta, bn_param)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    cache = (conv_cache, bn_relu_cache[0], bn_relu_cache[1], pool_cache)
""")], extra="""

def _bn_relu_forward(a, gamma, beta, bn_param):
    an, bn_cache = spatial_batchnorm_forward(a, gamma, beta, bn_param)
    s, relu_cache = relu_forward(an)
    return s, (bn_cache, relu_cache)
""")
mutant(CNN, "alt_loss_stacked_caches", "alternative",
       "ConvNet.loss keeps a list of (backward function, cache, parameter names) and unwinds it.",
       "loss",
       [("""        caches = {}
        h = X
        for i in range(1, self.num_conv + 1):""", """        tape = []
        caches = {}
        h = X
        for i in range(1, self.num_conv + 1):"""),
        ("""        loss, dh = softmax_loss(scores, y)
        dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dh, caches["out"])
        if self.use_dropout:
            dh = dropout_backward(dh, caches["dropout"])
        if self.has_hidden:
            dh = relu_backward(dh, caches["relu"])
            dh, grads[f"W{L - 1}"], grads[f"b{L - 1}"] = affine_backward(dh, caches["hidden"])
        # The affine layer's dx has the shape of its input, the last block's output.
        for i in range(self.num_conv, 0, -1):
            if self.use_batchnorm:
                dh, dw, db, dgamma, dbeta = conv_bn_relu_pool_backward(dh, caches[i])
                grads[f"gamma{i}"], grads[f"beta{i}"] = dgamma, dbeta
            else:
                dh, dw, db = conv_relu_pool_backward(dh, caches[i])
            grads[f"W{i}"], grads[f"b{i}"] = dw, db
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] += self.reg * W
""", """        tape.append((affine_backward, caches["out"], (f"W{L}", f"b{L}")))
        if self.use_dropout:
            tape.append((dropout_backward, caches["dropout"], ()))
        if self.has_hidden:
            tape.append((relu_backward, caches["relu"], ()))
            tape.append((affine_backward, caches["hidden"], (f"W{L - 1}", f"b{L - 1}")))
        for i in range(self.num_conv, 0, -1):
            if self.use_batchnorm:
                tape.append((conv_bn_relu_pool_backward, caches[i],
                             (f"W{i}", f"b{i}", f"gamma{i}", f"beta{i}")))
            else:
                tape.append((conv_relu_pool_backward, caches[i], (f"W{i}", f"b{i}")))
        data_loss, dh = softmax_loss(scores, y)
        for backward, cache, names in tape:
            result = backward(dh, cache)
            if not names:
                dh = result
                continue
            dh = result[0]
            for name, g in zip(names, result[1:], strict=True):
                grads[name] = g + (self.reg * self.params[name] if name.startswith("W") else 0)
        penalty = sum(np.sum(self.params[f"W{i}"] ** 2) for i in range(1, L + 1))
        loss = data_loss + 0.5 * self.reg * penalty
""")])

print("wrote", sorted(p.name for m in (FC, CNN) for p in (OUT / m).glob("*.py")))
