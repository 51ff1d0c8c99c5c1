"""Puts a Fashion-MNIST checkpoint's classes into the dataset's own label order (torchvision's FashionMNIST.classes),
so that its class index k means label k as every PyTorch user expects. Exact, no retraining: the classifier's rows
(classifier.1.weight rows, classifier.1.bias) and the sidecar's class_names are permuted together.

Usage: /usr/bin/python3 tools/fashion_mnist_label_order.py CHECKPOINT.pth   (its sidecar CHECKPOINT.json beside it)

Folder names stand for class names ('/' and ' ' become '_', as `effnet data fashion-mnist` writes them), and the
sidecar keeps the names it had. A checkpoint already in label order is left untouched.
"""
import json
import os
import sys

import torch
from torchvision.datasets import FashionMNIST


def folder_name(label):
    return label.replace("/", "_").replace(" ", "_")


def main(checkpoint):
    sidecar = os.path.splitext(checkpoint)[0] + ".json"
    with open(sidecar) as f:
        meta = json.load(f)
    names = meta["class_names"]
    wanted = [folder_name(c) for c in FashionMNIST.classes]
    by_name = {folder_name(n): i for i, n in enumerate(names)}
    if sorted(by_name) != sorted(wanted) or len(names) != len(wanted):
        sys.exit(f"{sidecar}: class_names {names} are not Fashion-MNIST's ten classes {wanted}")
    order = [by_name[w] for w in wanted]  # new index k takes old row order[k]
    if order == list(range(len(order))):
        print(f"{checkpoint}: already in Fashion-MNIST's label order")
        return

    state = torch.load(checkpoint, map_location="cpu")
    index = torch.tensor(order)
    for key in ("classifier.1.weight", "classifier.1.bias"):
        state[key] = state[key].detach().index_select(0, index)
    state = {k: v.detach() for k, v in state.items()}
    meta["class_names"] = [names[i] for i in order]

    # Written beside and renamed, so an interrupted run leaves the old pair intact. torch.save names the archive's
    # top folder after the file's stem, which the temporary name keeps.
    stem = os.path.splitext(checkpoint)[0]
    torch.save(state, stem + ".tmp")
    with open(sidecar + ".tmp", "w") as f:
        json.dump(meta, f, indent=2)
    os.replace(stem + ".tmp", checkpoint)
    os.replace(sidecar + ".tmp", sidecar)
    print(f"{checkpoint}: classes now {meta['class_names']} (old rows {order})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
