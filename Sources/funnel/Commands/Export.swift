import ArgumentParser
import Foundation
import FunnelInterop

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a checkpoint to ONNX, for onnxruntime and other runtimes.",
        discussion: """
            The graph takes `input` [N, 3, H, W] float32 (N dynamic; H, W the training image size), the image \
            normalised as in training, and gives `logits` [N, classes]: the model in inference mode, as `funnel eval` \
            runs it. FReLU becomes a depthwise Conv, BatchNormalization and Max (--fold-bn folds every batch norm \
            that follows a convolution into it), DY-ReLU its hyper function and a Max over its linear pieces, the \
            other activations their formulas in standard operators. The training config and the checkpoint's input \
            record (normalisation, class names) are kept in the file's metadata_props.
            """)

    @Option(help: "A checkpoint written by `funnel train`.") var checkpoint: String
    @Option(help: "Output format (onnx).") var format = "onnx"
    @Option(help: "The ONNX file to write.") var out: String
    @Option(help: "ONNX opset (\(ONNXExportOptions.supportedOpsets.lowerBound)...\(ONNXExportOptions.supportedOpsets.upperBound)).")
    var opset = 17
    @Flag(help: "Fold batch norms into the convolutions before them.") var foldBn = false

    func validate() throws {
        guard format == "onnx" else { throw ValidationError("--format '\(format)': the only format is onnx") }
        guard ONNXExportOptions.supportedOpsets.contains(opset) else {
            throw ValidationError("--opset \(opset): supported opsets are \(ONNXExportOptions.supportedOpsets.lowerBound)...\(ONNXExportOptions.supportedOpsets.upperBound)")
        }
        try requireFile(checkpoint, "checkpoint")
    }

    func run() throws {
        let url = try outputFile(out)
        let restored = try ONNXExport.write(checkpoint: URL(fileURLWithPath: checkpoint), to: url,
                                            options: ONNXExportOptions(opset: opset, foldBatchNorm: foldBn))
        let config = restored.checkpoint.config
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        print(String(format: "%@/%@ (epoch %d) -> %@: opset %d%@, input [N, %@], %.1f MB", config.model, config.act, restored.checkpoint.epoch,
                     out, opset, foldBn ? ", batch norms folded" : "", restored.input.map(String.init).joined(separator: ", "), Double(size) / 1e6))
    }
}
