"""The hand-graded written questions of every part, inserted into the generated notebooks.

Each question is two markdown cells: a locked prompt ("Written question (N points): ...")
and the answer cell (nbgrader ``grade`` and ``solution``), whose whole source is a solution
region holding the model answer, then a ``#### Rubric (for graders)`` heading and the rubric;
the release replaces it with "YOUR ANSWER HERE" and ``python -m grading manual-grades`` reads
the rubric from it. Every ``tools/partN/make_notebook.py`` calls
``insert_written_questions(nb, notebook_name)`` just before writing its notebook.
"""

import copy

from nbformat.v4 import new_code_cell, new_markdown_cell


def _meta(grade_id, grade=False, solution=False, locked=True, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def md(grade_id, text):
    c = new_markdown_cell(text.strip("\n"), metadata={"nbgrader": _meta(grade_id)})
    c["id"] = grade_id.replace("_", "-")
    return c


def code(grade_id, src, points=None, timeout=None):
    meta = {"nbgrader": _meta(grade_id, grade=points is not None, points=points)}
    if timeout:
        meta["course"] = {"timeout": timeout}
    c = new_code_cell(src.strip("\n"), metadata=meta)
    c["id"] = grade_id.replace("_", "-")
    return c


def written(grade_id, points, answer, rubric):
    """A hand-graded markdown answer cell: model answer and rubric in the solution region."""
    text = "### BEGIN SOLUTION\n" + answer.strip("\n") + "\n\n#### Rubric (for graders)\n" + rubric.strip("\n") + "\n### END SOLUTION"
    c = new_markdown_cell(text, metadata={"nbgrader": _meta(grade_id, grade=True, solution=True, locked=False, points=points)})
    c["id"] = grade_id.replace("_", "-")
    return c


def index(nb, grade_id):
    for i, c in enumerate(nb.cells):
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def insert_after(nb, grade_id, cells):
    ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    for c in cells:
        gid = c.metadata["nbgrader"]["grade_id"]
        if gid in ids:
            raise ValueError(f"{gid} already in the notebook")
    i = index(nb, grade_id) + 1
    nb.cells[i:i] = cells


QUESTIONS: dict = {}  # notebook id -> [(grade_id of the cell they follow, [prompt, answer])]


def q(notebook, after, grade_id, title, prompt, answer, rubric, points=2):
    QUESTIONS.setdefault(notebook, []).append((after, [
        md(f"{grade_id}_prompt", f"## Written question ({points} points): {title}\n\n" + prompt.strip("\n")
           + "\n\nWrite your answer in the cell below."),
        written(grade_id, points, answer, rubric),
    ]))


# ------------------------------------------------------------------ part 1
q("1_layers", "relu_test", "sigmoid_vanishing", "why ReLU and not the sigmoid", r"""
Early deep networks used the sigmoid $\sigma(x) = 1 / (1 + e^{-x})$ as their nonlinearity and
were hard to train beyond a few layers. Using the derivative of the sigmoid and the chain rule
of your backward passes, explain why the gradients that reach the first layers of a deep
sigmoid network become tiny. Why does ReLU suffer much less from this, and what can go wrong
with ReLU units instead?
""", r"""
$\sigma'(x) = \sigma(x)(1 - \sigma(x)) \le \frac14$, with its maximum at $x = 0$ and
$\sigma'(x) \approx 0$ once $|x|$ is more than a few units (the unit *saturates*). Backprop
multiplies the upstream gradient by the local derivative of every layer it passes: the gradient
at layer 1 of an $L$-layer network contains the product
$\prod_l \operatorname{diag}(\sigma'(a_l)) W_l$. Each sigmoid factor shrinks it by at least 4,
so with weights of moderate size the gradient decays like $4^{-L}$ (exponentially in depth);
larger weights do not rescue it, since they push the units into saturation where $\sigma'$ is
even smaller. The first layers barely learn (and the non-zero-centred outputs make the updates
zig-zag).

ReLU's derivative is exactly 1 wherever the unit is active, so the nonlinearity does not shrink
the gradient along active paths: its size is governed only by the weights, which a suitable
initialisation (He, $\sqrt{2/\text{fan in}}$) keeps near scale 1. There is no saturation on the
positive side. The price: a unit whose input is negative for every example (e.g. after a too
large update) has zero gradient forever, a *dead ReLU*; leaky ReLU, careful learning rates and
initialisation avoid it.
""", r"""
- 1 pt: $\sigma' \le 1/4$ and near 0 when saturated, and the chain rule multiplies one such
  factor per layer, so the gradient shrinks exponentially with depth. 0.5 pt for saturation
  or "small derivative" without the product over layers.
- 0.5 pt: ReLU's derivative is 1 on the active side (no shrinking, no saturation for
  positive inputs).
- 0.5 pt: dead ReLUs (zero gradient when always inactive), or another real weakness of ReLU
  with its cause.
""")

q("1_layers", "dropout_test", "dropout_test_time", "dropout at test time", r"""
Your `dropout_forward` scales the kept units by $1/p$ at train time and does nothing at test
time (inverted dropout). Why must train and test time be treated differently at all? What
would go wrong if you (a) also dropped units at test time, or (b) dropped the $1/p$ scaling at
train time without changing anything else? How did the original dropout (Srivastava et al.,
2014) handle test time instead?
""", r"""
At train time each unit is kept with probability $p$, so the next layer is trained on inputs
whose expected value is $p\,h$ without scaling, or $h$ with the $1/p$ scaling. At test time
we want a deterministic prediction that approximates the average of the exponentially many
thinned networks seen in training; the standard approximation keeps every unit and makes each
unit's output equal to its *expected* training-time output. Inverted dropout does the matching
at train time (the $1/p$), so test time is the identity.

(a) Dropping units at test time makes predictions random: the same input gets different scores
on every call, and each prediction comes from a single weakened sub-network (lower accuracy),
unless one averages many stochastic passes (Monte-Carlo dropout).

(b) Without the $1/p$ scaling, the next layers were trained on activations about $p$ times as
large as the full activations they get at test time: every pre-activation at test time is too
large by a factor $1/p$ on average, so scores and the ReLU patterns shift and accuracy drops.

The original dropout did not scale at train time and instead multiplied the outgoing weights
(equivalently the activations) by $p$ at test time. Both give the same expected values; the
inverted form keeps the test-time code untouched.
""", r"""
- 1 pt: the expectation argument: the test-time output of a unit must equal its expected
  train-time output ($p\,h$, or $h$ with the $1/p$), and test time should be deterministic
  (an approximate ensemble average).
- 0.5 pt: the consequences of (a) (random, noisier, worse predictions) and (b) (test
  activations $1/p$ times too large, mismatched with training).
- 0.5 pt: original dropout scales by $p$ at test time (weights or activations).
""")

# ------------------------------------------------------------------ part 3
q("3_cnn", "filters", "conv_vs_fc", "convolutions against fully connected layers", r"""
Your `ConvNet` matches or beats the fully connected network of Part 2 on MNIST with far fewer
weights in its first layer. Which properties of a convolutional layer make this possible, that
is, what does it assume about images? Give the number of weights (not biases) of a $3 \times 3$
convolution from 1 to 16 channels, and of a fully connected layer with the same input and output
sizes on $28 \times 28$ images (784 inputs, $16 \times 28 \times 28$ outputs).
""", r"""
A convolution builds in two assumptions that hold for images. **Locality**: each output depends
only on a small neighbourhood of the input (the $3 \times 3$ window), because nearby pixels are
what form edges and strokes. **Weight sharing**: the same filter is applied at every position,
because a pattern means the same wherever it appears; this makes the layer translation
*equivariant* (shift the input, the feature map shifts), and pooling then adds a little
translation invariance. Stacking layers builds larger receptive fields and a hierarchy of
features (edges, then strokes, then parts of digits).

Weights: the convolution has $16 \times 1 \times 3 \times 3 = 144$ weights (plus 16 biases); the
fully connected layer has $784 \times 12\,544 = 9\,834\,496 \approx 9.8$ million. With
$68\,000$ times fewer parameters the convolution cannot memorise position-specific
details, so it overfits far less and generalises better from the same data; it also needs much
less computation per parameter of capacity.
""", r"""
- 1 pt: locality (local receptive fields) and weight sharing / translation equivariance,
  0.5 pt each; pooling or hierarchy may replace one of them if well explained.
- 1 pt: 144 weights for the convolution and $784 \times 12544 \approx 9.8$ M for the fully
  connected layer (0.5 pt each; the conv count with biases, 160, is fine).
""")

q("3_cnn", "ablation", "batchnorm_speed", "why batch normalization speeds training", r"""
The ablation above trained the same network with and without batch normalization. Describe
what you see in the curves, and explain why batch normalization lets a network train faster
and tolerate larger learning rates. What does a batch-norm layer do differently at test time,
and why?
""", r"""
In the ablation the network with batch normalization reaches a lower training loss and a higher
validation accuracy after the same number of steps (in the solution's run its curves rise
faster from the first epoch).

Batch normalization standardises every channel's pre-activations over the batch (zero mean,
unit variance) and then lets the network rescale them with $\gamma$, $\beta$. Consequences:
- activations keep a controlled scale at every depth whatever the weights' scale, so gradients
  neither vanish nor explode through the layers and the network is much less sensitive to the
  initialisation;
- the output is invariant to the scale of the weights feeding it ($\text{BN}(a W x) =
  \text{BN}(W x)$), so a large step cannot blow up the activations; the effective learning rate
  self-stabilises, which is why larger learning rates work;
- the loss landscape becomes smoother / better conditioned (Santurkar et al., 2018), and each
  layer's input distribution changes less while earlier layers learn (the original "internal
  covariate shift" argument), so layers need not keep re-adapting to one another;
- the noise of batch statistics adds a mild regularisation.

At test time the layer uses the running averages of the mean and variance gathered during
training instead of the batch's statistics: a prediction must be deterministic and must not
depend on which other examples happen to be in the batch (it must work for a single image).
""", r"""
- 0.5 pt: what the ablation shows (faster decrease of the loss / higher accuracy with batch
  norm), consistent with the student's own run.
- 1 pt: a mechanism: controlled activation scale independent of the weights (no
  vanishing/exploding), scale invariance allowing larger learning rates, better conditioned
  or smoother loss, reduced internal covariate shift. 0.5 pt for "it normalises" without why
  that helps.
- 0.5 pt: running mean and variance at test time, with the reason (deterministic, independent
  of the batch).
""")

# ------------------------------------------------------------------ part 4
q("4_captioning", "lstm_backward_test", "lstm_gradient_flow", "why LSTM gradients survive longer", r"""
Using the backward passes you just wrote, explain why the gradient of the loss with respect to
an early hidden state tends to vanish (or explode) in a vanilla RNN over many timesteps, and why
the LSTM's cell state lets gradients survive much longer.
""", r"""
In the vanilla RNN $h_t = \tanh(x_t W_x + h_{t-1} W_h + b)$, so one step back multiplies the
gradient by the Jacobian $\partial h_t / \partial h_{t-1} = \operatorname{diag}(1 - h_t^2)\,
W_h^\top$ (in `rnn_step_backward`: `dprev_h = (dnext_h * (1 - next_h**2)) @ Wh.T`). Going back
$T$ steps multiplies $T$ such matrices. Its size behaves roughly like $(\gamma\,\|W_h\|)^T$
with $\gamma = \max |1 - h^2| \le 1$: exponentially small when the largest singular value of
$W_h$ times the tanh factor is below 1 (vanishing: the early words get no learning signal, long
dependencies are not learnt), exponentially large when above 1 (exploding, fixed with gradient
clipping). Saturated tanh units make it vanish faster.

The LSTM's cell state is updated additively: $c_t = f_t \odot c_{t-1} + i_t \odot g_t$. Along
this path $\partial c_t / \partial c_{t-1} = \operatorname{diag}(f_t)$ (in `lstm_step_backward`:
`dprev_c = dnext_c * f`): an elementwise product with the forget gate, with no multiplication by
a weight matrix and no squashing nonlinearity. When the network keeps $f_t$ close to 1, the
gradient flows back almost unchanged over many steps (the "constant error carousel"), and the
gates learn *when* to keep or forget. (It can still vanish if the forget gates stay well below
1, and the paths through $h$ still multiply by $W_h$.)
""", r"""
- 1 pt: RNN: the gradient to an early state is a product of $T$ Jacobians
  $\operatorname{diag}(1 - h^2) W_h$, hence exponential in $T$ (vanishing if the factors are
  below 1, exploding if above). 0.5 pt without the product/Jacobian argument.
- 1 pt: LSTM: additive cell update, so the cell path multiplies only by the forget gate
  elementwise (no $W_h$, no tanh derivative); forget gates near 1 preserve the gradient.
  0.5 pt for "gates control the flow" without the mechanism.
""")

q("4_captioning", "sample_show", "teacher_forcing", "teacher forcing", r"""
During training, `CaptioningRNN.loss` feeds the *ground-truth* previous word as the input at
every timestep (teacher forcing); at test time `sample` feeds back the model's *own* previous
word. Why is training done this way, what problem does the mismatch cause at test time, and how
could it be reduced?
""", r"""
With teacher forcing every step $t$ is trained to predict word $t+1$ of the caption from the
true words $1..t$: the loss is a sum of per-step cross-entropies over a sequence known in
advance, every step is conditioned on a correct context, so gradients are informative from the
start and training is stable and fast (the inputs do not depend on the model's predictions; one
forward pass over the whole caption, no sampling in the loop). Feeding the model's own early,
mostly wrong, guesses would give it garbage contexts and very noisy gradients.

At test time there is no ground truth, so the model conditions on its own predictions. It never
saw its own mistakes during training (*exposure bias*): after one wrong or unusual word it is in
a state unlike any training state, and errors compound, which gives repetitive loops ("a man a
man ..."), drift away from the image, or generic captions.

Remedies: scheduled sampling (during training, replace a growing fraction of ground-truth inputs
by the model's own samples), beam search at test time instead of greedy decoding (fewer early
mistakes to recover from), sequence-level training on the sampled output (e.g. REINFORCE /
self-critical training on BLEU or CIDEr), or professor forcing.
""", r"""
- 1 pt: the difference (ground truth vs own predictions as inputs) and why train this way
  (correct context at every step, stable/fast training, parallel per-step loss). 0.5 pt each.
- 1 pt: exposure bias / compounding errors at test time (0.5 pt) and one sensible remedy
  (scheduled sampling, beam search, sequence-level training) (0.5 pt).
""")

# ------------------------------------------------------------------ part 5
q("5_transfer_learning", "compare_curves", "freeze_or_finetune", "freeze or fine-tune?", r"""
You trained a classifier on frozen SqueezeNet features, then fine-tuned the last fire module.
Based on your two runs, what did fine-tuning gain here, and at what risk? In general, when would
you keep the pretrained layers frozen, when fine-tune only the last layers, and when fine-tune
the whole network? Consider the size of your data set and how similar it is to ImageNet.
""", r"""
Here: 244 training images of ants and bees, a task very close to ImageNet (which has both
classes). The frozen features already separate them well (about 0.9 validation accuracy).
Fine-tuning `fire9` adapts the highest-level features to the task and gains a little (in the
solution's run a few points of validation accuracy), but it trains hundreds of thousands of
parameters on a few hundred images: the training accuracy approaches 1 while the validation
accuracy stalls, so it needs augmentation, a small learning rate for the pretrained module
(here 30 times smaller than the classifier's), few epochs and a starting
point from the trained classifier (a random head would send large, random gradients into the
pretrained layers).

General rule of thumb:
- **Little data, similar domain**: freeze everything and train a linear classifier on the
  features (few parameters, little overfitting, cheap: features computed once).
- **More data, or a somewhat different domain**: fine-tune the last layers (high-level features
  are the most task-specific; early layers compute generic edges and textures), with a small
  learning rate, after first training the head.
- **Lots of data and/or a very different domain** (medical, satellite, spectrograms): fine-tune
  the whole network (pretrained weights as initialisation), with smaller learning rates for the
  early layers; with very different data and little of it, fine-tune fewer layers or use
  features from earlier layers.
""", r"""
- 1 pt: what fine-tuning gained in the student's runs, and the risk of overfitting with 244
  images (more trainable parameters; train accuracy up while validation stalls), or the need
  for a small learning rate / a trained head. 0.5 pt if only one of the two.
- 1 pt: the general rule as a function of data size and similarity to ImageNet (freeze for
  small and similar; fine-tune top layers for more data or moderately different; all layers
  for large or very different data). 0.5 pt if only one axis (size or similarity) is used.
""")

q("5_transfer_learning", "misclassified", "augmentation_small_data", "augmentation on 244 images", r"""
The fine-tuning step trained on augmented activations (random crops and flips). Why does data
augmentation help so much when there are only 244 training images? Name two further
augmentations that would suit ants and bees, and one augmentation that would be harmful, for
this task or another one you name, and say why.
""", r"""
With 244 images and a fine-tuned module of hundreds of thousands of parameters, the model can
memorise the training set (high variance). Augmentation applies label-preserving
transformations, so every epoch sees new variants of each image: the effective data set is much
larger and encodes invariances we know hold (an ant is an ant shifted, mirrored, slightly
zoomed), which regularises the model towards features that do not depend on exact position or
framing. It costs no labelling.

Suitable further augmentations: small rotations, random rescaling (zoom) and crops at several
scales, colour/brightness/contrast jitter (lighting varies between photos), slight blur, and
vertical flips (insects photographed from above have no preferred "up").

Harmful: a crop so aggressive that it can remove the insect (the label no longer matches the
image); strong hue shifts may destroy a real cue (the yellow and black stripes of bees). On
another task: horizontal flips or large rotations for digit or text recognition change the
class (a 6 becomes a 9, a "b" a "d"); flips for chest X-rays swap the heart's side.
""", r"""
- 1 pt: the reason: few images vs many parameters, so overfitting; augmentation adds
  label-preserving variation / encodes known invariances / acts as a regulariser. 0.5 pt for
  "more data" without the link to overfitting or invariance.
- 0.5 pt: two suitable augmentations (not crops and horizontal flips, which are already used).
- 0.5 pt: one harmful augmentation with a correct reason (the label changes or a real cue is
  destroyed).
""")

# ------------------------------------------------------------------ part 6
q("6_style_transfer", "gram_matrix_backward_test", "gram_discards", "what the Gram matrix keeps and discards", r"""
The style loss compares Gram matrices $G_{ij} = \frac{1}{CHW}\sum_{h, w} F_{i h w} F_{j h w}$ of
feature maps $F$ of shape $(C, H, W)$. What information about the image does the Gram matrix
keep, and what does it throw away? Why does that make it a description of *style* rather than
*content*?
""", r"""
$G_{ij}$ is the average over all positions of the product of channels $i$ and $j$: a second-order
statistic of the features. It keeps **which features are present and which occur together, and
how strongly** (the diagonal is the energy of each channel: how much of a colour, texture or
stroke pattern of that layer's scale there is; the off-diagonal entries say which patterns
co-occur at the same places, e.g. a blue swirl with a dark outline).

It discards **where** everything is: summing over $(h, w)$ makes $G$ invariant to any
rearrangement of the spatial positions, so the layout, the shapes of objects and their
arrangement are gone (as are higher-order statistics and the exact values of individual
activations). Content is precisely the spatial arrangement of features (what is where), which
the content loss compares position by position; style is the statistics of local textures,
colours and strokes regardless of position. Matching Gram matrices at several layers therefore
transfers textures at several scales (small receptive fields: colours and fine strokes; deeper:
larger motifs) while the content loss fixes the layout.
""", r"""
- 1 pt: keeps the co-activation statistics of channels (which features occur / co-occur and how
  strongly, averaged over the image; second-order statistics). 0.5 pt for "correlations between
  channels" without what that means for the image.
- 1 pt: discards spatial information (sum over positions, invariant to rearranging them), and
  the link: content is the spatial arrangement, style the position-independent texture
  statistics. 0.5 pt without the link.
""")

q("6_style_transfer", "style_transfer_test", "tv_tradeoff", "the total-variation weight", r"""
What does the total-variation loss penalise? Describe what happens to the generated image when
`tv_weight` is far too small and when it is far too large, and explain why some of it is needed
at all when we optimise the pixels of an image through a CNN.
""", r"""
The TV loss is the sum of squared differences between horizontally and vertically neighbouring
pixels (times `tv_weight`): it penalises high-frequency variation and favours locally smooth
images.

It is needed because optimising raw pixels through a CNN has no prior that the result should
look like a natural image: the content and style losses can be lowered by high-frequency
patterns the network responds to (strided convolutions and pooling alias fine detail, and
adversarial-like pixel noise changes features a lot), so the unregularised result is covered in
noise and checkerboard artefacts.

- Far too small: grainy, high-frequency noise and checkerboard patterns over the image.
- Far too large: the TV term dominates the content and style losses; the image becomes blurry
  and flat (watercolour-like), the fine brush strokes and textures of the style and the sharp
  edges of the content are smoothed away (squared differences punish sharp edges heavily).

The weight trades smoothness (a natural-image prior) against fidelity to the style's texture and
the content's detail.
""", r"""
- 1 pt: what it penalises (differences between neighbouring pixels, high frequencies) and why it
  is needed (pixel optimisation through a CNN produces high-frequency noise/artefacts: no image
  prior). 0.5 pt each.
- 1 pt: too small gives noise/artefacts, too large gives a blurred, over-smoothed image that
  loses style texture and detail. 0.5 pt each.
""")


def insert_written_questions(nb, notebook: str) -> None:
    """Insert the written questions of ``notebook`` (e.g. "3_cnn") after their anchor cells."""
    for after, cells in QUESTIONS.get(notebook, []):
        insert_after(nb, after, copy.deepcopy(cells))
