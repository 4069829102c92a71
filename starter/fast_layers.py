"""Fast convolution and max-pooling layers (pure numpy), given to students.

They have the same signatures and conventions as the naive layers students
write in ``layers.py`` (see the course spec) and agree with them to 1e-6
relative error; they are what ``cnn.py`` and SqueezeNet use for speed.

- ``conv_forward_fast(x, w, b, conv_param) -> (out, cache)``:
  x (N, C, H, W), w (F, C, HH, WW), b (F,), ``conv_param = {"stride", "pad"}``;
  out (N, F, H', W') with ``H' = 1 + (H + 2 pad - HH) // stride``.
- ``conv_backward_fast(dout, cache) -> (dx, dw, db)``.
- ``max_pool_forward_fast(x, pool_param) -> (out, cache)``:
  ``pool_param = {"pool_height", "pool_width", "stride"}`` and optionally
  ``"ceil_mode"`` (default False, as PyTorch); out (N, C, H', W') with
  ``H' = 1 + (H - pool_height) // stride``.
- ``max_pool_backward_fast(dout, cache) -> dx``: the gradient of each window
  goes to its first maximum in row-major order (what ``np.argmax`` picks).

All of them keep the input's floating dtype. Implementation notes are in
:mod:`starter.fast_conv` and :mod:`starter.fast_pool`.

Threads: OpenBLAS threads the GEMMs; the numpy copies around them are split
between the caller and one worker thread. That worker is off when the
process sees a single CPU or ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``
or ``MKL_NUM_THREADS`` is ``1``, and can be switched off with
``starter.fast_conv.PARALLEL = False``; results are identical either way.
"""

from starter.fast_conv import conv_backward_fast, conv_forward_fast
from starter.fast_pool import max_pool_backward_fast, max_pool_forward_fast

__all__ = [
    "conv_forward_fast",
    "conv_backward_fast",
    "max_pool_forward_fast",
    "max_pool_backward_fast",
]
