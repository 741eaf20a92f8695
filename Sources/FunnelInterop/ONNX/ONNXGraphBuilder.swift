import FunnelNN

/// A tensor of the graph being built: its name and its shape, `nil` standing for the dynamic batch
/// dimension "N". Shapes are tracked as the graph grows, so that reshapes are written with fixed
/// sizes and a mistake surfaces at export, naming the layer, instead of inside a runtime.
public struct ONNXValue: Sendable {
    public let name: String
    public let shape: [Int?]
    public var rank: Int { shape.count }
}

/// Builds one ONNX graph from a module tree. Layers append their nodes through `apply(_:_:)` and
/// the op methods (`ONNXOps.swift`); the builder keeps names unique, names each node after the
/// module it comes from (`layer1.0.act1/Max`) and each weight after its checkpoint tensor
/// (`layer1.0.conv1.weight`), so the graph reads against the model and its `state_dict`.
public final class ONNXGraphBuilder {
    public let options: ONNXExportOptions
    private var nodes: [ONNXNode] = []
    private var initializers: [ONNXTensorProto] = []
    private var inputs: [ONNXValueInfo] = []
    private var outputs: [ONNXValueInfo] = []
    private var takenNames: Set<String> = []
    /// Dotted paths of the root's modules and tensors by identity (the root itself: its type's name).
    private let modulePaths: [ObjectIdentifier: String]
    private let tensorNames: [ObjectIdentifier: String]
    /// Initializers already written, so that a tensor or constant used twice is stored once.
    private var cachedConstants: [String: ONNXValue] = [:]
    /// The modules being lowered, outermost first: node names and errors use the innermost.
    private var scope: [(path: String, type: String)] = []

    public init(root: Module, options: ONNXExportOptions = ONNXExportOptions()) {
        self.options = options
        var paths: [ObjectIdentifier: String] = [:]
        for (path, module) in root.namedModules { paths[ObjectIdentifier(module)] = path.isEmpty ? "\(type(of: root))" : path }
        modulePaths = paths
        var names: [ObjectIdentifier: String] = [:]
        for (name, tensor) in root.namedParameters + root.namedBuffers { names[ObjectIdentifier(tensor)] = name }
        tensorNames = names
    }

    // MARK: Layers

    /// Appends `module`'s inference-mode forward pass on `x` and returns its output.
    /// - Throws: `ONNXExportError.unsupportedLayer` naming the layer when its type has no lowering.
    public func apply(_ module: Module, _ x: ONNXValue) throws -> ONNXValue {
        guard let layer = module as? any ONNXExportable else {
            throw ONNXExportError.unsupportedLayer(path: path(of: module), type: "\(type(of: module))")
        }
        return try scoped(module) { try layer.exportONNX(x, to: self) }
    }

    /// Runs `body` as part of `module`: the nodes it appends are named after the module, and its
    /// errors name it (for a lowering that writes a layer's nodes itself, e.g. a folded convolution).
    public func scoped<Result>(_ module: Module, _ body: () throws -> Result) rethrows -> Result {
        scope.append((path(of: module), "\(type(of: module))"))
        defer { scope.removeLast() }
        return try body()
    }

    private func path(of module: Module) -> String {
        modulePaths[ObjectIdentifier(module)] ?? "\(currentPath).(\(type(of: module)))"
    }

    /// The dotted path of the layer being lowered.
    public var currentPath: String { scope.last?.path ?? "graph" }

    /// An error for the layer being lowered: its configuration has no lowering.
    public func unsupported(_ problem: String) -> ONNXExportError {
        .unsupportedConfiguration(path: currentPath, type: scope.last?.type ?? "graph", problem: problem)
    }

    /// An error for the layer being lowered: shapes that do not fit.
    public func shapeMismatch(_ problem: String) -> ONNXExportError {
        .shapeMismatch(path: currentPath, problem: problem)
    }

    // MARK: Nodes

    /// Appends one node and returns its outputs, whose shapes the caller states.
    @discardableResult
    public func node(_ opType: String, _ inputs: [ONNXValue], _ attributes: [ONNXAttribute] = [], outputShapes: [[Int?]]) -> [ONNXValue] {
        let name = uniqueName("\(currentPath)/\(opType)")
        let outputs = outputShapes.count == 1
            ? [ONNXValue(name: name, shape: outputShapes[0])]
            : outputShapes.enumerated().map { ONNXValue(name: uniqueName("\(name):\($0.offset)"), shape: $0.element) }
        nodes.append(ONNXNode(opType: opType, name: name, inputs: inputs.map(\.name), outputs: outputs.map(\.name), attributes: attributes))
        return outputs
    }

    /// Appends a node with one output of shape `shape`.
    public func node(_ opType: String, _ inputs: [ONNXValue], _ attributes: [ONNXAttribute] = [], shape: [Int?]) -> ONNXValue {
        node(opType, inputs, attributes, outputShapes: [shape])[0]
    }

    // MARK: Constants

    /// A model tensor as an initializer under its checkpoint name, optionally viewed with another
    /// shape of the same size (a per-channel vector as `[C, 1, 1]` for broadcasting).
    public func weight(_ tensor: Tensor, shape: [Int]? = nil) -> ONNXValue {
        let dims = shape ?? tensor.shape
        precondition(dims.reduce(1, *) == tensor.count, "[ONNXGraphBuilder] view \(dims) of a tensor of shape \(tensor.shape)")
        let base = tensorNames[ObjectIdentifier(tensor)] ?? "\(currentPath).tensor"
        return cached("tensor \(ObjectIdentifier(tensor)) \(dims)") {
            ONNXTensorProto(name: uniqueName(dims == tensor.shape ? base : "\(base).view"), dims: dims, floats: tensor.scalars)
        }
    }

    /// Values computed at export (folded weights, an activation's fixed coefficients), named
    /// `<layer path>.<name>`.
    public func constant(_ name: String, _ values: [Float], shape: [Int]) -> ONNXValue {
        let proto = ONNXTensorProto(name: uniqueName("\(currentPath).\(name)"), dims: shape, floats: values)
        initializers.append(proto)
        return ONNXValue(name: proto.name, shape: shape)
    }

    /// A float scalar (shape `[]`), stored once per value.
    public func scalar(_ value: Float) -> ONNXValue {
        cached("float \(value.bitPattern)") { ONNXTensorProto(name: uniqueName("scalar(\(value))"), dims: [], floats: [value]) }
    }

    /// A vector of int64 (shapes, axes, split sizes), stored once per value.
    public func int64s(_ values: [Int]) -> ONNXValue {
        cached("int64 \(values)") {
            ONNXTensorProto(name: uniqueName("int64s(\(values.map(String.init).joined(separator: ",")))"), dims: [values.count],
                            int64s: values.map(Int64.init))
        }
    }

    private func cached(_ key: String, _ make: () -> ONNXTensorProto) -> ONNXValue {
        if let value = cachedConstants[key] { return value }
        let proto = make()
        initializers.append(proto)
        let value = ONNXValue(name: proto.name, shape: proto.dims)
        cachedConstants[key] = value
        return value
    }

    // MARK: Graph inputs and outputs

    /// Declares a float input; `nil` dimensions become the symbol "N".
    public func input(_ name: String, shape: [Int?]) -> ONNXValue {
        let value = ONNXValue(name: uniqueName(name), shape: shape)
        inputs.append(ONNXValueInfo(name: value.name, elementType: .float, shape: Self.declared(shape)))
        return value
    }

    /// Declares `value` as a float output named `name` (through an Identity node, so the public
    /// name does not depend on which layer came last).
    public func output(_ value: ONNXValue, as name: String) {
        precondition(!takenNames.contains(name), "[ONNXGraphBuilder] output name '\(name)' is taken")
        takenNames.insert(name)
        nodes.append(ONNXNode(opType: "Identity", name: uniqueName("\(name)/Identity"), inputs: [value.name], outputs: [name], attributes: []))
        outputs.append(ONNXValueInfo(name: name, elementType: .float, shape: Self.declared(value.shape)))
    }

    /// The graph built so far.
    public func graph(named name: String) -> ONNXGraphProto {
        ONNXGraphProto(name: name, nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs)
    }

    private static func declared(_ shape: [Int?]) -> [ONNXDimension] {
        shape.map { $0.map(ONNXDimension.fixed) ?? .symbolic("N") }
    }

    /// `base`, or `base_2`, `base_3`, ... when taken.
    private func uniqueName(_ base: String) -> String {
        var name = base, n = 1
        while takenNames.contains(name) { n += 1; name = "\(base)_\(n)" }
        takenNames.insert(name)
        return name
    }
}
