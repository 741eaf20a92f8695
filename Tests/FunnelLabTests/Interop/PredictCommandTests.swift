import Foundation
import Testing
import FunnelTestSupport
import FunnelTrain

/// `funnel predict` gives the probabilities PyTorch gives for the same checkpoint and image files,
/// preprocessed the torchvision way (Pillow bilinear resize of the shorter side, centre crop, the
/// checkpoint's normalisation), with the class names kept in the checkpoint; files it cannot read
/// are named and the rest classified.
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

    struct Result: Decodable { var image: String; var top: [Predictor.Guess]?; var error: String? }

    /// The JSON array in `funnel predict --json`'s output (notes on standard error around it).
    func results(_ output: String) throws -> [Result] {
        let lines = output.components(separatedBy: "\n")
        let first = try #require(lines.firstIndex(of: "[")), last = try #require(lines.lastIndex(of: "]"))
        return try JSONDecoder().decode([Result].self, from: Data(lines[first...last].joined(separator: "\n").utf8))
    }

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
        let classified = try results(output)
        #expect(classified.map(\.image) == images)
        for result in classified {
            let reference = try #require(expected[URL(fileURLWithPath: result.image).lastPathComponent])
            let top = try #require(result.top)
            #expect(top.map(\.name) == reference.map(\.name) && top.map(\.label) == reference.map(\.label))
            let worst = zip(top, reference).map { abs($0.probability - $1.probability) }.max() ?? 1
            print("\(result.image): top-5 \(top.map(\.name)), largest probability difference from PyTorch \(worst)")
            #expect(worst < 1e-4, "\(top) vs \(reference)")
        }

        // Files that cannot be read are named, in order, and the others classified as before (here one
        // to a batch); the command then fails.
        let damaged = directory.appendingPathComponent("damaged.jpg"), missing = directory.appendingPathComponent("missing.png").path
        try Data("not an image".utf8).write(to: damaged)
        let mixed = try FunnelProcess(["predict", "--checkpoint", checkpoint, "--json", "--batch-size", "2", images[0], damaged.path, missing, images[1]],
                                      logDirectory: directory).wait()
        #expect(mixed.status == 1, "\(mixed.output)")
        #expect(mixed.output.contains("not classified: \(damaged.path): ") && mixed.output.contains("not classified: \(missing): cannot read the image"),
                "\(mixed.output)")
        #expect(mixed.output.contains("\n2 of 4 images not classified, each for the reason above: \(damaged.path), \(missing)\n"), "\(mixed.output)")
        let some = try results(mixed.output)
        #expect(some.map(\.image) == [images[0], damaged.path, missing, images[1]])
        #expect(some.map { $0.top == nil } == [false, true, true, false] && some.map { $0.error == nil } == [true, false, false, true])
        for (alone, together) in zip([some[0], some[3]], classified) {
            let (a, b) = (try #require(alone.top), try #require(together.top))
            #expect(a.map(\.label) == b.map(\.label) && zip(a, b).allSatisfy { abs($0.probability - $1.probability) < 1e-6 }, "\(a) vs \(b)")
        }
    }
}
