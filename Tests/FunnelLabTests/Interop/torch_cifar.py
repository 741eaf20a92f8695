"""PyTorch's side of the round-trip tests (Tests/FunnelLabTests/Interop/PyTorchRoundTripTests.swift).

  evaluate ARCHIVE CHECKPOINT MODEL ACT   top-1 of a Funnel checkpoint loaded strictly into the
                                          reference model, normalised with the checkpoint's statistics
  train ARCHIVE OUT MODEL ACT MEAN STD    trains the reference model briefly, saves its state dict
                                          with safetensors, prints its test top-1
Images are decoded with Pillow from the archive's test/<class>/ folders; labels follow the sorted
class names, as in Funnel's image-folder loader. Output: one JSON object on stdout.
"""
import io, json, sys, tarfile
import numpy as np, torch
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file, save_file

sys.path.insert(0, sys.argv[-1])  # the folder of torch_models.py
import torch_models


def split(archive, name, limit=None):
    images, folders = [], []
    with tarfile.open(archive) as tar:
        for member in tar:
            parts = member.name.split("/")
            if member.isfile() and len(parts) >= 4 and parts[-3] == name and parts[-1].lower().endswith((".jpg", ".jpeg", ".png")):
                images.append(np.asarray(Image.open(io.BytesIO(tar.extractfile(member).read())).convert("RGB")))
                folders.append(parts[-2])
    classes = sorted(set(folders))
    labels = np.array([classes.index(f) for f in folders])
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255
    if limit is not None:
        order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))[:limit]
        x, labels = x[order], labels[order]
    return x, torch.from_numpy(labels), classes


def top1(model, x, y, mean, std):
    model.eval()
    x = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    with torch.no_grad():
        correct = sum((model(x[i:i + 500]).argmax(1) == y[i:i + 500]).sum().item() for i in range(0, len(y), 500))
    return correct / len(y)


def main():
    command, archive = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    if command == "evaluate":
        checkpoint, model_name, act = sys.argv[3:6]
        with safe_open(checkpoint, "pt") as f:
            meta = json.loads(f.metadata()["funnel.input"])
        state = {k: v for k, v in load_file(checkpoint).items() if not k.startswith("optimizer.")}
        model = getattr(torch_models, model_name)(act, len(meta["classes"]))
        model.load_state_dict(state, strict=True)  # every name and shape, nothing left over
        x, y, classes = split(archive, "test")
        assert classes == meta["classes"], (classes, meta["classes"])
        print(json.dumps({"top1": top1(model, x, y, meta["normalization"]["mean"], meta["normalization"]["std"]), "count": len(y)}))
    elif command == "train":
        out, model_name, act, mean, std = sys.argv[3:8]
        mean, std = [float(v) for v in mean.split(",")], [float(v) for v in std.split(",")]
        torch.manual_seed(0)
        x, y, classes = split(archive, "train", limit=1024)
        model = getattr(torch_models, model_name)(act, len(classes))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        # Cosine to near 0, as the Funnel side trains: at a constant 0.05 two short epochs leave batch
        # norm's running statistics behind the weights, and on an AVX2 CPU the model scored 12.8% in
        # inference mode, near chance (2026-12-07).
        epochs, batches = 2, (len(y) + 63) // 64
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * batches)
        xn = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
        model.train()
        for epoch in range(epochs):
            for i in range(0, len(y), 64):
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(xn[i:i + 64]), y[i:i + 64]).backward()
                optimizer.step()
                schedule.step()
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, out)
        tx, ty, _ = split(archive, "test")
        print(json.dumps({"top1": top1(model, tx, ty, mean, std), "count": len(ty)}))


main()
