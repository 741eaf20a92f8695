import Foundation
import FunnelModels
import FunnelNN

/// `funnel forward`: one forward (and optionally backward) pass of a model on given weights and
/// inputs, written in PyTorch's names and layouts, so results can be compared with the reference
/// models of `peers/torch_models.py` tensor by tensor.
public enum Parity {
    public enum Mode: String, Sendable { case eval, train }

    /// Runs the pass and returns the output file's contents:
    /// - `logits`; with `backward`, `loss` (mean cross-entropy, shape [1]) and `grad.<name>` for
    ///   every parameter; in train mode `after_train.<bn>.running_mean` / `.running_var`.
    public static func run(model name: String, act: String, weights: SafetensorsFile, input: SafetensorsFile,
                           mode: Mode, backward: Bool) throws -> SafetensorsFile {
        let x = try input.tensor("x")
        try ModelState.requireFinite(x, name: "x", file: input.source)
        guard x.rank == 4, x.shape[1] == 3 else {
            throw CheckpointError.badEntry(file: input.source, tensor: "x", reason: "expected [N, 3, H, W] float32, found \(x.shape)")
        }
        let classes = try weights.entry("linear.weight").shape.first ?? 10
        let model = try Models.make(ModelConfig(name: name, classes: classes, activation: Activations.factory(act)))
        try ModelState.load(weights, into: model)
        model.setMode(mode == .train ? .training : .inference)
        var out: [String: SafetensorsEntry] = [:]
        if backward {
            let labels = try input.integers("y").map { Int($0) }
            guard labels.count == x.shape[0] else {
                throw CheckpointError.badEntry(file: input.source, tensor: "y", reason: "expected \(x.shape[0]) labels, found \(labels.count)")
            }
            let logits = try Evaluation.requireFinite(model(x), "logits")
            let loss = logits.crossEntropy(labels: labels)
            guard loss.item.isFinite else { throw TrainError.nonFiniteOutput(what: "loss", value: loss.item, index: 0) }
            loss.backward()
            out["logits"] = SafetensorsEntry(logits.detached())
            out["loss"] = SafetensorsEntry(loss.reshaped(to: [1]))
            for (pname, p) in model.namedParameters {
                out["grad.\(pname)"] = SafetensorsEntry(p.grad ?? Tensor.zeros(p.shape))
            }
        } else {
            out["logits"] = SafetensorsEntry(try Evaluation.requireFinite(withoutGrad { model(x) }, "logits"))
        }
        if mode == .train {
            for (bname, b) in model.namedBuffers { out["after_train.\(bname)"] = SafetensorsEntry(b) }
        }
        return SafetensorsFile(entries: out, metadata: ["format": "pt", "funnel.model": name, "funnel.act": act])
    }
}
