"""An image-captioning network: image features in, a caption out, one word at a time.

Part 4 of the homework (``4_captioning.ipynb``) tests and trains this model.
"""

import numpy as np
from rnn_layers import (
    lstm_backward,
    lstm_forward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)


class CaptioningRNN:
    """A recurrent network that produces captions from image features.

    The image features of shape (N, D) are projected to the initial hidden
    state of the recurrent network (no nonlinearity). Every word is embedded in
    a vector of dimension W, the recurrent network (vanilla RNN or LSTM) with a
    hidden size of H runs over the sequence of word vectors, and a temporal
    affine layer maps each hidden state to scores over the V words of the
    vocabulary.

    The network has no regularisation. Its parameters are in ``self.params``:
    ``W_proj`` (D, H), ``b_proj`` (H,), ``W_embed`` (V, W), ``Wx`` (W, kH),
    ``Wh`` (H, kH), ``b`` (kH,), ``W_vocab`` (H, V), ``b_vocab`` (V,), with
    k = 1 for the vanilla RNN and k = 4 for the LSTM.
    """

    def __init__(
        self,
        word_to_idx,
        input_dim=512,
        wordvec_dim=128,
        hidden_dim=128,
        cell_type="rnn",
        dtype=np.float32,
        seed=None,
    ):
        """Build a captioning network with randomly initialised weights.

        Inputs:
        - word_to_idx: dictionary from the V words of the vocabulary to
          integers in [0, V); it must contain ``<NULL>``, and ``sample``
          also needs ``<START>`` and ``<END>``
        - input_dim: dimension D of the image features
        - wordvec_dim: dimension W of the word vectors
        - hidden_dim: dimension H of the hidden state
        - cell_type: "rnn" or "lstm"
        - dtype: numpy dtype of the parameters; float32 for training,
          float64 for gradient checks
        - seed: if given, the weights are drawn from a generator seeded with
          it; otherwise from numpy's global random state
        """
        if cell_type not in {"rnn", "lstm"}:
            raise ValueError(f'cell_type must be "rnn" or "lstm", got {cell_type!r}')
        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = word_to_idx
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self.params = {}

        vocab_size = len(word_to_idx)
        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        rng = np.random if seed is None else np.random.default_rng(seed)
        # Scaled Gaussian initialisation as in CS231n: small word vectors,
        # 1/sqrt(fan_in) for the weight matrices, zero biases.
        self.params["W_embed"] = rng.standard_normal((vocab_size, wordvec_dim)) / 100
        self.params["W_proj"] = rng.standard_normal((input_dim, hidden_dim)) / np.sqrt(input_dim)
        self.params["b_proj"] = np.zeros(hidden_dim)
        dim_mul = {"lstm": 4, "rnn": 1}[cell_type]
        self.params["Wx"] = rng.standard_normal((wordvec_dim, dim_mul * hidden_dim)) / np.sqrt(
            wordvec_dim
        )
        self.params["Wh"] = rng.standard_normal((hidden_dim, dim_mul * hidden_dim)) / np.sqrt(
            hidden_dim
        )
        self.params["b"] = np.zeros(dim_mul * hidden_dim)
        self.params["W_vocab"] = rng.standard_normal((hidden_dim, vocab_size)) / np.sqrt(hidden_dim)
        self.params["b_vocab"] = np.zeros(vocab_size)

        for k, v in self.params.items():
            self.params[k] = v.astype(self.dtype)

    def loss(self, features, captions):
        """Training loss and gradients of the network on a minibatch.

        The input to the recurrent network is each caption without its last
        word, ``captions[:, :-1]``; the target at each timestep is the next
        word, ``captions[:, 1:]``. Targets equal to ``<NULL>`` (padding) are
        masked out of the loss.

        Inputs:
        - features: image features, of shape (N, D)
        - captions: ground-truth captions, integers of shape (N, T), each in
          [0, V); they start with ``<START>`` and are padded with ``<NULL>``

        Returns a tuple of:
        - loss: scalar loss
        - grads: dictionary of gradients, with the keys and shapes of
          self.params
        """
        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]
        mask = captions_out != self._null

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        loss, grads = 0.0, {}
        # TODO: Implement the forward and backward passes of the network:
        # (1) the initial hidden state h0 = features @ W_proj + b_proj;
        # (2) word vectors of captions_in with word_embedding_forward;
        # (3) rnn_forward or lstm_forward, depending on self.cell_type;
        # (4) scores over the vocabulary with temporal_affine_forward;
        # (5) temporal_softmax_loss of the scores against captions_out, with
        #     the mask above.
        # Then go backward through the same layers and store the gradient of
        # every parameter in grads, under the parameter's name.
        raise NotImplementedError("CaptioningRNN.loss in captioning.py: not implemented yet")
        return loss, grads

    def sample(self, features, max_length=30):
        """Greedy captions for a minibatch of image features.

        At each timestep, embed the previous word, run one step of the
        recurrent network and pick the word with the highest score; the first
        word fed in is ``<START>``. Every caption runs for max_length steps,
        even after it produced ``<END>`` (decode stops at ``<END>``).

        Inputs:
        - features: image features, of shape (N, D)
        - max_length: number of words to generate

        Returns:
        - captions: integer array of shape (N, max_length); captions[i, t] is
          the word index chosen at timestep t for image i
        """
        if self._start is None or self._end is None:
            raise ValueError("sample needs <START> and <END> in word_to_idx")
        N = features.shape[0]
        captions = self._null * np.ones((N, max_length), dtype=np.int32)

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        # TODO: Implement greedy sampling. Start from h0 as in loss (and a zero
        # cell state for the LSTM) and the word <START> for every image. At
        # each timestep embed the previous words (W_embed[words]), take one
        # step with rnn_step_forward or lstm_step_forward, compute the scores
        # with W_vocab and b_vocab, and store the argmax in captions[:, t].
        raise NotImplementedError("CaptioningRNN.sample in captioning.py: not implemented yet")
        return captions
