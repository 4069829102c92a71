"""FineTuneModel.__init__ keeps the pretrained network itself (no copy), so training overwrites its fire9."""

import numpy as np

KIND = "bug"


def __init__(self, net, classifier_params, trainable=("fire9",), reg=0.0):
    trainable = tuple(trainable)
    names = net.layer_names
    first = names.index(trainable[0])
    self.net = net
    self.trainable = trainable
    self.start = trainable[0]
    self.input_layer = names[first - 1]
    self.reg = reg
    self.params = {k: v.copy() for k, v in net.params.items() if k.split("/")[0] in trainable}
    self.params["W"] = np.array(classifier_params["W"], dtype=np.float32)
    self.params["b"] = np.array(classifier_params["b"], dtype=np.float32)
