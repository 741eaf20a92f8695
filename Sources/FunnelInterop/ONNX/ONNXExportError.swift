/// Why a model could not be exported to ONNX. Every case names the layer (its dotted path in the
/// model, as in the checkpoint, and its type) or the file, so that nothing is exported silently wrong.
public enum ONNXExportError: Error, CustomStringConvertible, Equatable {
    /// A layer type without an ONNX lowering.
    case unsupportedLayer(path: String, type: String)
    /// A supported layer type in a configuration that has no lowering (e.g. an unknown pointwise function).
    case unsupportedConfiguration(path: String, type: String, problem: String)
    /// Shapes that do not fit together where the graph is built.
    case shapeMismatch(path: String, problem: String)
    /// An opset outside those Funnel writes.
    case unsupportedOpset(Int, supported: ClosedRange<Int>)
    /// A checkpoint that cannot be turned into a model.
    case badCheckpoint(file: String, problem: String)

    public var description: String {
        switch self {
        case .unsupportedLayer(let path, let type):
            return "ONNX export: layer '\(path)' (\(type)) has no ONNX lowering"
        case .unsupportedConfiguration(let path, let type, let problem):
            return "ONNX export: layer '\(path)' (\(type)): \(problem)"
        case .shapeMismatch(let path, let problem):
            return "ONNX export: layer '\(path)': \(problem)"
        case .unsupportedOpset(let opset, let supported):
            return "ONNX export: opset \(opset) is not supported; Funnel writes opsets \(supported.lowerBound)...\(supported.upperBound)"
        case .badCheckpoint(let file, let problem):
            return "ONNX export: checkpoint \(file): \(problem)"
        }
    }
}
