import FunnelNN

/// A layer that can write its inference-mode forward pass (batch norm on running statistics,
/// dropout off) into an ONNX graph. FunnelInterop conforms Funnel's layers, activations and
/// models in the `+ONNX` files; a layer without a conformance is an export error naming it.
public protocol ONNXExportable: Module {
    /// Appends this layer's nodes for input `x` to `graph` and returns the layer's output.
    /// Call children through `graph.apply(_:_:)`, which names their nodes and reports their errors.
    func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue
}
