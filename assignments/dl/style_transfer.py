"""Neural style transfer (Gatys, Ecker and Bethge, 2016) in numpy, through SqueezeNet.

Style transfer looks for an image whose features match the *content* of one image
and the *style* of another. The loss of an image ``x`` (preprocessed, ``(3, H, W)``)
has three terms, each a function below that returns its value and its gradient:

- :func:`content_loss`: how far ``x``'s features at one layer are from the content
  image's features there;
- :func:`style_loss`: how far the Gram matrices (:func:`gram_matrix`) of ``x``'s
  features at several layers are from those of the style image;
- :func:`tv_loss`: the total variation of ``x``, which encourages smooth images.

:func:`style_transfer` (given) minimises their sum by gradient descent (Adam) on the
pixels of ``x``: it runs SqueezeNet forward to the deepest layer it needs, takes the
gradients of the losses with respect to the features, backpropagates them to the
image with ``SqueezeNet.backward`` and adds the gradient of the total variation.

Part 6 of the homework (``6_style_transfer.ipynb``) tests every function here.
"""

import time

import numpy as np

from starter.images import SQUEEZENET_MEAN_BGR, deprocess, preprocess


def content_loss(content_weight, content_current, content_original):
    """Content loss: weighted sum of squared differences of two feature maps.

    ``loss = content_weight * sum((content_current - content_original) ** 2)``

    Inputs:
    - content_weight: scalar, the weight w_c of the content loss
    - content_current: features of the current image at the content layer, of
      shape (C, H, W)
    - content_original: features of the content image at the same layer, of the
      same shape (C, H, W)

    Returns a tuple of:
    - loss: scalar (a Python or numpy float), the content loss
    - grad: gradient of the loss with respect to content_current, of shape (C, H, W)
    """
    # TODO: Compute the content loss and its gradient with respect to
    # content_current.
    raise NotImplementedError("content_loss in style_transfer.py: not implemented yet")
    return loss, grad


def gram_matrix(features, normalize=True):
    """Gram matrix of a feature map.

    With the feature map reshaped to F of shape (C, M), M = H * W (one row per
    channel), the Gram matrix is ``G = F @ F.T``: ``G[i, j]`` is the sum over the
    spatial positions of the product of channels i and j.

    Inputs:
    - features: array of shape (C, H, W), the features of one image at one layer
    - normalize: if True, divide the Gram matrix by the number of elements of
      the feature map, C * H * W

    Returns:
    - gram: array of shape (C, C)
    """
    # TODO: Compute the Gram matrix of the features, normalised if asked.
    raise NotImplementedError("gram_matrix in style_transfer.py: not implemented yet")
    return gram


def gram_matrix_backward(dgram, features, normalize=True):
    """Backward pass of :func:`gram_matrix`.

    Inputs:
    - dgram: upstream derivative of the loss with respect to the Gram matrix, of
      shape (C, C); it need not be symmetric
    - features: the input of the forward pass, of shape (C, H, W)
    - normalize: the value the forward pass was called with

    Returns:
    - dfeatures: gradient of the loss with respect to features, of shape (C, H, W)
    """
    # TODO: Compute the gradient with respect to the features. G = F F^T
    # depends on F through both factors.
    raise NotImplementedError("gram_matrix_backward in style_transfer.py: not implemented yet")
    return dfeatures


def style_loss(feats, style_layers, style_targets, style_weights):
    """Style loss: weighted sum over layers of squared Gram-matrix differences.

    ``loss = sum_l style_weights[l] * sum((gram_matrix(feats[style_layers[l]])
    - style_targets[l]) ** 2)``, with normalised Gram matrices.

    Inputs:
    - feats: the features of the current image by layer: ``feats[layer]`` is an
      array of shape (C_l, H_l, W_l) for every layer in style_layers (a dict, or
      a list indexed by layer number)
    - style_layers: sequence of L layers (names or indices) to compute the style
      loss at, each appearing once
    - style_targets: sequence of L arrays, the normalised Gram matrices of the
      style image at those layers; ``style_targets[l]`` has shape (C_l, C_l)
    - style_weights: sequence of L scalars, the weight of each layer's term

    Returns a tuple of:
    - loss: scalar, the style loss
    - dfeats: dict mapping each layer of style_layers to the gradient of the loss
      with respect to ``feats[layer]``, of shape (C_l, H_l, W_l)
    """
    # TODO: Compute the style loss and the gradient with respect to the features
    # of each style layer. Use gram_matrix and gram_matrix_backward.
    raise NotImplementedError("style_loss in style_transfer.py: not implemented yet")
    return loss, dfeats


def tv_loss(img, tv_weight):
    """Total-variation loss: weighted sum of squared differences of neighbouring pixels.

    ``loss = tv_weight * (sum((img[:, 1:, :] - img[:, :-1, :]) ** 2)
    + sum((img[:, :, 1:] - img[:, :, :-1]) ** 2))``, over all channels.

    Inputs:
    - img: array of shape (3, H, W), an image
    - tv_weight: scalar, the weight of the loss

    Returns a tuple of:
    - loss: scalar, the total-variation loss
    - grad: gradient of the loss with respect to img, of shape (3, H, W)
    """
    # TODO: Compute the total-variation loss and its gradient with respect to
    # img, vectorised (no loops over pixels).
    raise NotImplementedError("tv_loss in style_transfer.py: not implemented yet")
    return loss, grad


# --------------------------------------------------------------------------------------
# Given code: the optimisation loop. Nothing to write below this line.
# --------------------------------------------------------------------------------------


def adam_step(x, dx, state, learning_rate, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """One Adam step on the image (the optimiser of CS231n's style transfer).

    ``state`` is a dict holding ``m``, ``v`` and ``t`` between calls (empty at
    first); returns the new image. Given here so that style transfer does not
    depend on your ``optim.py``.
    """
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * dx
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * dx**2
    state.update(t=t, m=m, v=v)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return x - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)


def extract_features(model, x, layers):
    """Features of one preprocessed image at some layers of SqueezeNet.

    Inputs:
    - model: a ``starter.squeezenet.SqueezeNet``
    - x: preprocessed image, shape (1, 3, H, W)
    - layers: layer names or indices

    Returns ``(feats, cache)``: ``feats[layer]`` is the (C, H', W') output of each
    layer, ``cache`` is for ``model.backward``.
    """
    layers = list(layers)
    deepest = max(model.layer_index(layer) for layer in layers)
    acts, cache = model.forward(x, upto=deepest, return_activations=True)
    return {layer: acts[layer][0] for layer in layers}, cache


def total_loss(feats, x, targets, *, content_layer, content_weight, style_layers,
               style_weights, tv_weight):
    """The style-transfer loss of image ``x`` (3, H, W) given its features ``feats``.

    ``targets`` holds ``"content"`` (the content image's features at
    ``content_layer``) and ``"style"`` (the list of style Gram matrices). Returns
    ``(losses, dfeats, dx_tv)``: ``losses`` has the keys ``content``, ``style``,
    ``tv`` and ``total``; ``dfeats`` maps layers to the gradients of the content
    and style losses with respect to their features; ``dx_tv`` is the gradient of
    the total variation with respect to ``x``.
    """
    c_loss, c_grad = content_loss(content_weight, feats[content_layer], targets["content"])
    s_loss, dfeats = style_loss(feats, style_layers, targets["style"], style_weights)
    t_loss, dx_tv = tv_loss(x, tv_weight)
    dfeats = dict(dfeats)
    dfeats[content_layer] = dfeats[content_layer] + c_grad if content_layer in dfeats else c_grad
    losses = {"content": float(c_loss), "style": float(s_loss), "tv": float(t_loss)}
    losses["total"] = losses["content"] + losses["style"] + losses["tv"]
    return losses, dfeats, dx_tv


def style_transfer(
    model,
    content_image,
    style_image,
    *,
    content_layer=3,
    content_weight=1e-3,
    style_layers=(1, 4, 6, 7),
    style_weights=(3.0, 0.2, 0.1, 0.4),
    tv_weight=5e-3,
    num_iterations=100,
    learning_rate=20.0,
    decayed_lr=3.0,
    decay_at=80,
    init_random=False,
    seed=0,
    print_every=25,
):
    """Minimise content + style + total-variation loss over the pixels of an image.

    Inputs:
    - model: a ``starter.squeezenet.SqueezeNet`` (its weights are not changed)
    - content_image, style_image: uint8 RGB images (H, W, 3) and (H', W', 3),
      already resized (e.g. with ``starter.images.load_image(name, size)``)
    - content_layer: layer (name or index) of the content loss
    - content_weight: weight of the content loss (0 for texture synthesis)
    - style_layers, style_weights: layers of the style loss and their weights
      (all weights 0 for feature inversion)
    - tv_weight: weight of the total-variation loss
    - num_iterations: number of Adam steps
    - learning_rate, decayed_lr, decay_at: Adam's step size (in pixel values),
      lowered to ``decayed_lr`` from step ``decay_at`` on
    - init_random: start from uniform noise instead of the content image
    - seed: seeds the noise of ``init_random``
    - print_every: print the losses every that many steps (0: never)

    Returns a dict with:
    - ``image``: the result, uint8 RGB (H, W, 3)
    - ``x``, ``x0``: the result and the starting point, preprocessed (1, 3, H, W)
    - ``history``: per step (before it), the dict of losses of :func:`total_loss`
    - ``loss_history``: the total loss per step, then that of the result
    - ``seconds``: wall time of the optimisation
    """
    content_layer = content_layer if isinstance(content_layer, str) else int(content_layer)
    style_layers = list(style_layers)
    layers = [content_layer, *style_layers]
    weights = {"content_layer": content_layer, "content_weight": content_weight,
               "style_layers": style_layers, "style_weights": list(style_weights),
               "tv_weight": tv_weight}

    x_content = preprocess(content_image)
    feats, _ = extract_features(model, x_content, [content_layer])
    style_feats, _ = extract_features(model, preprocess(style_image), style_layers)
    targets = {"content": feats[content_layer],
               "style": [gram_matrix(style_feats[layer]) for layer in style_layers]}

    # Pixels stay in the displayable range 0..255 (minus the mean of each channel).
    lo = (-SQUEEZENET_MEAN_BGR).reshape(1, 3, 1, 1)
    hi = lo + 255.0
    if init_random:
        rng = np.random.default_rng(seed)
        x = rng.uniform(lo, hi, size=x_content.shape).astype(np.float32)
    else:
        x = x_content.copy()
    x0 = x.copy()

    history, state = [], {}
    start = time.perf_counter()
    for step in range(num_iterations):
        feats, cache = extract_features(model, x, layers)
        losses, dfeats, dx_tv = total_loss(feats, x[0], targets, **weights)
        history.append(losses)
        dx, _ = model.backward({layer: g[None] for layer, g in dfeats.items()}, cache,
                               trainable=())
        dx = dx + dx_tv[None]
        lr = learning_rate if step < decay_at else decayed_lr
        x = np.clip(adam_step(x, dx, state, lr), lo, hi).astype(np.float32)
        if print_every and (step % print_every == 0 or step == num_iterations - 1):
            print(f"step {step:4d}: total {losses['total']:.4g} (content {losses['content']:.3g}, "
                  f"style {losses['style']:.3g}, tv {losses['tv']:.3g})")
    seconds = time.perf_counter() - start
    feats, _ = extract_features(model, x, layers)
    final, _, _ = total_loss(feats, x[0], targets, **weights)
    history.append(final)
    return {"image": deprocess(x[0]), "x": x, "x0": x0, "history": history,
            "loss_history": [h["total"] for h in history], "seconds": seconds}
