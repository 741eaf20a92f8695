import Foundation
import FunnelModels
import FunnelNN
import FunnelTrain

/// Writes Funnel models as ONNX files that onnxruntime, TensorRT and other runtimes load.
///
/// The graph computes the model's inference-mode forward pass (batch norm on running statistics)
/// from a graph input `input` `[N, C, H, W]` float32 (N dynamic, the image already normalised as
/// in training) to `logits` `[N, classes]`: the same numbers as `funnel eval`. Every layer is
/// lowered by its `ONNXExportable` conformance; a layer without one stops the export with an
/// error naming it.
public enum ONNXExport {
    /// The graph input's and output's names.
    public static let inputName = "input", outputName = "logits"

    /// The ONNX model of `model` for images of `input` = `[C, H, W]`.
    /// - Parameter metadata: key/value pairs stored in the file (`metadata_props`).
    public static func proto(of model: Module, input: [Int], options: ONNXExportOptions = ONNXExportOptions(),
                             name: String = "funnel", metadata: [(key: String, value: String)] = []) throws -> ONNXModelProto {
        try options.validate()
        guard input.count == 3, input.allSatisfy({ $0 > 0 }) else {
            throw ONNXExportError.shapeMismatch(path: inputName, problem: "the input must be [C, H, W] of one image, got \(input)")
        }
        let graph = ONNXGraphBuilder(root: model, options: options)
        let x = graph.input(inputName, shape: [nil] + input.map(Optional.some))
        graph.output(try graph.apply(model, x), as: outputName)
        return ONNXModelProto(irVersion: options.irVersion, opset: options.opset, graph: graph.graph(named: name), metadata: metadata)
    }

    /// Writes `model`'s ONNX file to `url` (see `proto(of:input:options:name:metadata:)`).
    public static func write(_ model: Module, input: [Int], to url: URL, options: ONNXExportOptions = ONNXExportOptions(),
                             name: String = "funnel", metadata: [(key: String, value: String)] = []) throws {
        let bytes = try proto(of: model, input: input, options: options, name: name, metadata: metadata).serialized()
        try Data(bytes).write(to: url, options: .atomic)
    }

    /// Writes the ONNX file of a checkpoint written by `funnel train`, for its training image size.
    /// The file's metadata keep the checkpoint's training config and, where the checkpoint has
    /// it, its input record (image size, normalisation, class names).
    /// - Returns: the restored model, as exported.
    @discardableResult
    public static func write(checkpoint: URL, to url: URL, options: ONNXExportOptions = ONNXExportOptions()) throws -> CheckpointModel {
        let restored = try CheckpointModel(checkpoint: checkpoint)
        let metadata = ["funnel.config", ModelInput.metadataKey].compactMap { key in restored.checkpoint.file.metadata[key].map { (key: key, value: $0) } }
        try write(restored.model, input: restored.input, to: url, options: options,
                  name: "\(restored.checkpoint.config.model)-\(restored.checkpoint.config.act)", metadata: metadata)
        return restored
    }
}
