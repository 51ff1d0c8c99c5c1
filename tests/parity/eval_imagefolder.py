"""torchvision's side of an accuracy run: a kit checkpoint (.pth state dict + .json sidecar) over an ImageFolder with
PIL + torchvision transforms, as a PyTorch user would evaluate it. Prints JSON: {"top1": .., "images": .., "predictions":
{relative path: top-1 class index}} with class indices in the sidecar's order.

  /usr/bin/python3 tests/parity/eval_imagefolder.py CHECKPOINT.pth DATA_DIR
"""
import json, os, sys

import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

checkpoint, data = sys.argv[1], sys.argv[2]
meta = json.load(open(os.path.splitext(checkpoint)[0] + ".json"))
preset = meta["preset"]
modes = {"bilinear": T.InterpolationMode.BILINEAR, "bicubic": T.InterpolationMode.BICUBIC, "nearest": T.InterpolationMode.NEAREST}
transform = T.Compose([
    T.Resize(preset["resize_size"], interpolation=modes[preset["interpolation"]]),
    T.CenterCrop(preset["crop_size"]),
    T.ToTensor(),
    T.Normalize(preset["mean"], preset["std"]),
])

torch.set_num_threads(2)
model = getattr(torchvision.models, "efficientnet_" + meta["variant"])(num_classes=meta["num_classes"])
model.load_state_dict(torch.load(checkpoint, map_location="cpu"))
model.eval()

classes = meta["class_names"]
files = sorted((c, f) for c in os.listdir(data) if c in classes for f in os.listdir(os.path.join(data, c)))
predictions, correct = {}, 0
with torch.no_grad():
    for start in range(0, len(files), 250):
        chunk = files[start:start + 250]
        x = torch.stack([transform(Image.open(os.path.join(data, c, f)).convert("RGB")) for c, f in chunk])
        for (c, f), p in zip(chunk, model(x).argmax(1).tolist()):
            predictions[f"{c}/{f}"] = p
            correct += p == classes.index(c)
print(json.dumps({"top1": correct / len(files), "images": len(files), "predictions": predictions}))
