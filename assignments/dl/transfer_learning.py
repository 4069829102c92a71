"""Transfer learning with a pretrained SqueezeNet 1.1: frozen features, then fine-tuning.

The network itself is given: ``starter.squeezenet.SqueezeNet`` runs any range of its
layers forward (``net.forward(x, start=..., upto=...)``) and backward
(``net.backward(dout, cache, trainable=...)``), with the parameter gradients of the
layers you name. On top of it you write

- ``global_avg_pool_forward`` / ``global_avg_pool_backward``: average every channel of a
  feature map over its spatial positions;
- ``LinearClassifier``: global average pooling, an affine layer and the softmax loss,
  trained on frozen SqueezeNet features (part (a) of the notebook);
- ``FineTuneModel``: the last fire module(s) of SqueezeNet followed by that classifier,
  trained together (part (b)); its ``loss`` backpropagates from the softmax loss through
  the classifier into ``starter.squeezenet``.

Both models follow the ``Solver`` contract of ``fc_net.py``: a ``params`` dict and
``loss(X, y=None)`` returning class scores when ``y`` is None, else ``(loss, grads)``.

The helpers ``extract_activations`` and ``augmented_activations`` are given: they run the
frozen part of the network once, so that training only ever runs the trainable layers.
"""

import numpy as np
from layers import affine_backward, affine_forward, softmax_loss

from starter.images import preprocess, random_crop_flip


def global_avg_pool_forward(x):
    """Global average pooling: the mean of each channel over its spatial positions.

    Inputs:
    - x: feature maps of shape (N, C, H, W)

    Returns a tuple of:
    - out: output of shape (N, C), ``out[n, c] = mean over h, w of x[n, c, h, w]``
    - cache: whatever the backward pass needs
    """
    # TODO: Implement the forward pass of global average pooling.
    raise NotImplementedError("global_avg_pool_forward in transfer_learning.py: not implemented yet")
    cache = x.shape
    return out, cache


def global_avg_pool_backward(dout, cache):
    """Backward pass of global average pooling.

    Inputs:
    - dout: upstream derivative of shape (N, C)
    - cache: from global_avg_pool_forward

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    """
    # TODO: Implement the backward pass: every one of the H * W positions of a channel
    # contributed to its mean with weight 1 / (H * W).
    raise NotImplementedError("global_avg_pool_backward in transfer_learning.py: not implemented yet")
    return dx


class LinearClassifier:
    """A softmax classifier on top of convolutional feature maps.

    The architecture is ``global average pool - affine - softmax``: each feature map
    (N, D, H, W) is averaged over its H x W positions into a D-dimensional vector,
    which an affine layer maps to C class scores. The loss is the softmax loss plus the
    L2 regularization ``0.5 * reg * sum(W ** 2)`` (the weights only, not the biases).

    The parameters are in ``self.params``: ``W`` of shape (D, C) and ``b`` of shape (C,).
    """

    def __init__(self, input_dim=512, num_classes=2, weight_scale=1e-3, reg=0.0,
                 dtype=np.float32, seed=None):
        """
        Inputs:
        - input_dim: D, the number of channels of the feature maps
        - num_classes: C
        - weight_scale: standard deviation of the initial weights
        - reg: strength of the L2 regularization
        - dtype: dtype of the parameters (float64 for gradient checks)
        - seed: seed of the generator that draws the initial weights (None: numpy's
          global generator, which seed_everything seeds)
        """
        rng = np.random.default_rng(seed) if seed is not None else np.random
        self.reg = reg
        self.dtype = dtype
        self.params = {
            "W": (weight_scale * rng.standard_normal((input_dim, num_classes))).astype(dtype),
            "b": np.zeros(num_classes, dtype=dtype),
        }

    def loss(self, X, y=None):
        """Class scores, or the loss and its gradients.

        Inputs:
        - X: feature maps of shape (N, D, H, W) (any H, W)
        - y: integer labels of shape (N,), each in 0..C-1, or None

        Returns:
        - if y is None: scores of shape (N, C)
        - else a tuple (loss, grads): the scalar loss and a dict with the gradients of
          the loss with respect to ``W`` and ``b`` (same keys and shapes as ``params``)
        """
        W, b = self.params["W"], self.params["b"]
        X = X.astype(self.dtype, copy=False)
        # TODO: Compute the scores with global_avg_pool_forward and affine_forward. If y
        # is None, return them. Otherwise compute the softmax loss, add the L2
        # regularization 0.5 * reg * sum(W ** 2), and backpropagate: store the
        # gradients of W (regularization included) and b in grads.
        raise NotImplementedError("LinearClassifier.loss in transfer_learning.py: not implemented yet")
        return loss, grads


class FineTuneModel:
    """The last fire module(s) of a pretrained SqueezeNet and a linear classifier, trained together.

    ``loss`` takes the *activations entering the first trainable fire module* (the
    output of the layer before it, computed once by the frozen part of the network),
    runs the trainable fire modules, then ``global average pool - affine - softmax``.

    ``self.params`` holds copies of the trainable fire modules' parameters, under
    SqueezeNet's names (``"fire9/squeeze1x1/w"``, ``"fire9/squeeze1x1/b"``, ...), and the
    classifier's ``"W"`` (D, C) and ``"b"`` (C,). The Solver replaces these arrays at
    every step, so ``loss`` must use the current ``self.params`` on every call.
    ``self.net`` is a private copy of the network: the pretrained one is left alone.
    """

    def __init__(self, net, classifier_params, trainable=("fire9",), reg=0.0):
        """
        Inputs:
        - net: a starter.squeezenet.SqueezeNet (pretrained)
        - classifier_params: ``{"W": (512, C), "b": (C,)}`` to start from, e.g. the
          params of the LinearClassifier trained on frozen features (copied)
        - trainable: consecutive fire modules ending at fire9, e.g. ("fire9",) or
          ("fire8", "fire9")
        - reg: strength of the L2 regularization ``0.5 * reg * sum(w ** 2)``, summed over
          the classifier's W and the convolution weights (``".../w"``) of the trainable
          fire modules; biases are not regularized
        """
        trainable = tuple(trainable)
        names = net.layer_names
        first = names.index(trainable[0])
        if trainable != names[first:] or not all(t.startswith("fire") for t in trainable):
            raise ValueError(f"trainable must be the last fire modules in order, e.g. ('fire8', 'fire9'), got {trainable}")
        self.net = net.copy()
        self.trainable = trainable
        # The layer that takes the activations given to loss, and the one that makes them.
        self.start = trainable[0]
        self.input_layer = names[first - 1]
        self.reg = reg
        self.params = {
            k: v.copy() for k, v in self.net.params.items() if k.split("/")[0] in trainable
        }
        self.params["W"] = np.array(classifier_params["W"], dtype=np.float32)
        self.params["b"] = np.array(classifier_params["b"], dtype=np.float32)

    def loss(self, X, y=None):
        """Class scores, or the loss and its gradients.

        Inputs:
        - X: activations entering the first trainable fire module, of shape
          (N, C_in, H, W): for trainable ("fire9",), fire8's output (N, 512, H, W)
        - y: integer labels of shape (N,), or None

        Returns:
        - if y is None: scores of shape (N, C)
        - else (loss, grads) with a gradient for every key of ``self.params``
        """
        # TODO: Copy the fire modules' current parameters from self.params into
        # self.net.params, run self.net.forward from self.start on X, then the classifier
        # (global_avg_pool_forward, affine_forward). If y is None, return the scores.
        # Otherwise: softmax loss plus the regularization, backward through the affine
        # layer and the pooling, then self.net.backward(..., trainable=self.trainable,
        # need_dx=False) for the fire modules' gradients; add the regularization's
        # gradient to every weight.
        raise NotImplementedError("FineTuneModel.loss in transfer_learning.py: not implemented yet")
        return loss, grads


def extract_activations(net, images, layer, batch_size=64):
    """Run the frozen network on raw images up to ``layer``, in batches.

    Inputs:
    - net: a starter.squeezenet.SqueezeNet
    - images: uint8 RGB images of shape (N, H, W, 3)
    - layer: the last layer to run (name or index), e.g. "fire8"

    Returns float32 activations of shape (N, C, H', W').
    """
    out = [net.features(preprocess(images[i:i + batch_size]), layer)
           for i in range(0, len(images), batch_size)]
    return np.concatenate(out)


def augmented_activations(net, images, labels, layer, num_copies, crop_size, seed=0):
    """Activations of ``num_copies`` randomly cropped and flipped copies of every image.

    Augmentation has to happen on the images, before the frozen layers, so this runs the
    frozen part once per copy; training then draws from the ``N * num_copies`` stored
    activations instead of recomputing them at every step.

    Inputs:
    - net, images, layer: as in extract_activations
    - labels: integer labels of shape (N,)
    - num_copies: augmented copies per image
    - crop_size: side of the random square crops (starter.images.random_crop_flip)
    - seed: seed of the crops and flips

    Returns (X_aug, y_aug): activations (N * num_copies, C, H', W') and their labels,
    copy by copy (first every image's first copy, and so on).
    """
    rng = np.random.default_rng(seed)
    X_aug = [extract_activations(net, random_crop_flip(images, crop_size, rng), layer)
             for _ in range(num_copies)]
    return np.concatenate(X_aug), np.tile(labels, num_copies)
