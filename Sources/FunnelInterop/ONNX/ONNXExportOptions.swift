/// How a model is written to ONNX.
public struct ONNXExportOptions: Sendable, Equatable {
    /// The operator sets Funnel writes: every op it uses has the same meaning in all of them.
    public static let supportedOpsets: ClosedRange<Int> = 17...21

    /// The version of the default ("ai.onnx") operator set.
    public var opset: Int
    /// Fold each batch norm that follows a convolution (FReLU's condition included) into that
    /// convolution's weights and bias, as inference runtimes do; the model computes the same.
    public var foldBatchNorm: Bool

    public init(opset: Int = 17, foldBatchNorm: Bool = false) {
        self.opset = opset
        self.foldBatchNorm = foldBatchNorm
    }

    /// The IR version that goes with `opset` (onnx's `helper.VERSION_TABLE`).
    public var irVersion: Int {
        switch opset {
        case ...18: 8
        case 19...20: 9
        default: 10
        }
    }

    func validate() throws {
        guard Self.supportedOpsets.contains(opset) else { throw ONNXExportError.unsupportedOpset(opset, supported: Self.supportedOpsets) }
    }
}
