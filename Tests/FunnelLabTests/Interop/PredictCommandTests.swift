import Foundation
import Testing
import FunnelTestSupport
import FunnelTrain

/// `funnel predict` gives the probabilities PyTorch gives for the same checkpoint and image files,
/// preprocessed the torchvision way (Pillow bilinear resize of the shorter side, centre crop, the
/// checkpoint's normalisation), with the class names kept in the checkpoint.
@Suite(.enabled(if: TestServices.runPython, "needs the Python environment (./test.sh makes it)"))
struct PredictCommandTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-predict-\(UUID().uuidString.prefix(8))")

    static let torch = """
        import json, sys
        import numpy as np, torch
        from PIL import Image
        from safetensors import safe_open
        from safetensors.torch import load_file
        sys.path.insert(0, sys.argv[-1])
        import torch_models
        checkpoint, folder = sys.argv[1], sys.argv[2]
        rng = np.random.default_rng(0)
        files = {"wide.png": (50, 40), "tall.jpg": (45, 60)}
        for name, (w, h) in files.items():
            # Smooth, photo-like content: noise would exaggerate how far two JPEG decoders differ.
            yy, xx = np.mgrid[0:h, 0:w]
            image = np.stack([128 + 100 * np.sin(xx / 5 + c) * np.cos(yy / 7 - c) for c in range(3)], -1)
            image += rng.normal(0, 3, image.shape)
            Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(f"{folder}/{name}", quality=95)
        with safe_open(checkpoint, "pt") as f:
            meta = json.loads(f.metadata()["funnel.input"])
        model = torch_models.resnet20("relu", len(meta["classes"]))
        model.load_state_dict({k: v for k, v in load_file(checkpoint).items() if not k.startswith("optimizer.")})
        model.eval()
        mean, std = torch.tensor(meta["normalization"]["mean"]), torch.tensor(meta["normalization"]["std"])
        out = {}
        for name in files:
            image = Image.open(f"{folder}/{name}").convert("RGB")
            w, h = image.size
            side = meta["height"]
            size = (side, int(side * h / w)) if w <= h else (int(side * w / h), side)  # torchvision Resize(side)
            image = image.resize(size, Image.BILINEAR)
            left, top = int(round((size[0] - side) / 2.0)), int(round((size[1] - side) / 2.0))
            x = torch.from_numpy(np.asarray(image.crop((left, top, left + side, top + side)))).float() / 255
            x = ((x - mean) / std).permute(2, 0, 1).unsqueeze(0)
            with torch.no_grad():
                p = torch.softmax(model(x).double(), 1)[0]
            top5 = torch.argsort(p, descending=True)[:5]
            out[name] = [{"label": int(i), "name": meta["classes"][i], "probability": float(p[i])} for i in top5]
        print(json.dumps(out))
        """

    struct Result: Decodable { var image: String; var top: [Predictor.Guess] }

    @Test func probabilitiesAndNamesMatchPyTorch() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let runDir = directory.appendingPathComponent("run")
        let train = try FunnelProcess(["train", "--model", "resnet20", "--data", "synthetic", "--synthetic-train", "32", "--epochs", "1",
                                       "--batch-size", "16", "--run-dir", runDir.path], logDirectory: directory).wait()
        try #require(train.status == 0, "\(train.output)")
        let checkpoint = try #require(try RunStore(directory: runDir).runs().first?.checkpoint)
        let peers = URL(fileURLWithPath: RealData.folder).deletingLastPathComponent().appendingPathComponent("peers").path
        let torch = try TestServices.python(Self.torch, [checkpoint, directory.path, peers])
        try #require(torch.status == 0, "\(torch.stderr)")
        let expected = try JSONDecoder().decode([String: [Predictor.Guess]].self, from: Data(torch.stdout.utf8))

        let images = ["wide.png", "tall.jpg"].map { directory.appendingPathComponent($0).path }
        let (status, output) = try FunnelProcess(["predict", "--checkpoint", checkpoint, "--json"] + images, logDirectory: directory).wait()
        try #require(status == 0, "\(output)")
        let json = try #require(output.firstRange(of: "[").map { String(output[$0.lowerBound...]) })
        let results = try JSONDecoder().decode([Result].self, from: Data(json.utf8))
        #expect(results.map(\.image) == images)
        for result in results {
            let reference = try #require(expected[URL(fileURLWithPath: result.image).lastPathComponent])
            #expect(result.top.map(\.name) == reference.map(\.name) && result.top.map(\.label) == reference.map(\.label))
            let worst = zip(result.top, reference).map { abs($0.probability - $1.probability) }.max() ?? 1
            print("\(result.image): top-5 \(result.top.map(\.name)), largest probability difference from PyTorch \(worst)")
            #expect(worst < 1e-4, "\(result.top) vs \(reference)")
        }
    }
}
