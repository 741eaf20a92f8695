import FunnelTensor

/// Whether a module computes with batch statistics and randomness (training) or without (inference).
public enum Mode: Sendable { case training, inference }

/// A network building block with named parameters, buffers and children, like PyTorch's `nn.Module`.
///
/// Subclasses declare their parts as stored properties; reflection finds them, so there is nothing
/// to register by hand:
/// - a `Tensor` (or `Tensor?`) that requires grad is a parameter, one that does not is a buffer;
/// - a `Module`, `Module?` or `[Module]` is a child.
/// Names are the properties' names in snake case (`runningMean` -> `running_mean`, `convFrelu` ->
/// `conv_frelu`), array children are numbered, and names nest with dots as PyTorch's `state_dict`:
/// `layer1.0.conv1.weight`. Write `forward(_:)`; call the module as a function.
open class Module {
    /// The current mode; change it for a whole tree with `setMode(_:)`.
    public private(set) var mode: Mode = .training

    public init() {}

    /// The layer's computation.
    open func forward(_ x: Tensor) -> Tensor {
        fatalError("[\(type(of: self))] forward(_:) is not implemented")
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { forward(x) }

    /// Integer state that PyTorch keeps as int64 buffers (`num_batches_tracked`); empty by default.
    open var integerBuffers: [(String, Int)] { [] }

    /// Sets an integer buffer by name (for checkpoint loading).
    open func setIntegerBuffer(_ name: String, _ value: Int) {}

    /// Sets the mode of this module and every descendant.
    public func setMode(_ mode: Mode) {
        self.mode = mode
        for (_, child) in children { child.setMode(mode) }
    }

    public var isTraining: Bool { mode == .training }

    /// Direct children with their names, in declaration order.
    open var children: [(String, Module)] {
        var out: [(String, Module)] = []
        for (label, value) in reflectedProperties {
            if let m = value as? Module { out.append((label, m)) }
            else if let ms = value as? [Module] { out += ms.enumerated().map { ("\(label).\($0.offset)", $0.element) } }
        }
        return out
    }

    /// This module's own tensors (not its children's), with their names.
    private var ownTensors: [(String, Tensor)] {
        reflectedProperties.compactMap { label, value in (value as? Tensor).map { (label, $0) } }
    }

    /// Every module in the tree with its dotted path ("" for self), parents before children.
    public var namedModules: [(String, Module)] {
        var out: [(String, Module)] = [("", self)]
        for (name, child) in children {
            out += child.namedModules.map { ($0.0.isEmpty ? name : "\(name).\($0.0)", $0.1) }
        }
        return out
    }

    /// Trainable tensors with PyTorch-style dotted names.
    public var namedParameters: [(String, Tensor)] { namedTensors { $0.requiresGrad } }

    /// Non-trainable state (running statistics) with dotted names.
    public var namedBuffers: [(String, Tensor)] { namedTensors { !$0.requiresGrad } }

    public var parameters: [Tensor] { namedParameters.map(\.1) }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    private func namedTensors(_ keep: (Tensor) -> Bool) -> [(String, Tensor)] {
        namedModules.flatMap { prefix, module in
            module.ownTensors.filter { keep($0.1) }.map { (prefix.isEmpty ? $0.0 : "\(prefix).\($0.0)", $0.1) }
        }
    }

    /// Clears the gradients of every parameter.
    public func zeroGrad() { for p in parameters { p.grad = nil } }

    /// Stored properties (walking superclasses) with snake-case names.
    private var reflectedProperties: [(String, Any)] {
        var out: [(String, Any)] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        var chain: [Mirror] = []
        while let m = mirror { chain.append(m); mirror = m.superclassMirror }
        for m in chain.reversed() {
            for child in m.children {
                guard let label = child.label else { continue }
                // Unwrap optionals so `Tensor?` and `Module?` properties count when set.
                let value: Any
                if let opt = child.value as? OptionalProtocol {
                    guard let v = opt.wrapped else { continue }
                    value = v
                } else {
                    value = child.value
                }
                out.append((snakeCase(label.hasPrefix("_") ? String(label.dropFirst()) : label), value))
            }
        }
        return out
    }
}

private protocol OptionalProtocol { var wrapped: Any? { get } }
extension Optional: OptionalProtocol {
    var wrapped: Any? { if case .some(let v) = self { return v } else { return nil } }
}

/// `runningMean` -> `running_mean`; digits stay attached (`layer1`, `bn1`).
func snakeCase(_ s: String) -> String {
    var out = ""
    for ch in s {
        if ch.isUppercase { if !out.isEmpty { out.append("_") }; out.append(Character(ch.lowercased())) }
        else { out.append(ch) }
    }
    return out
}

/// Applies its children in order; names them `0`, `1`, ... as `nn.Sequential`.
public final class Sequential: Module {
    public let layers: [Module]

    public init(_ layers: [Module]) { self.layers = layers }
    public convenience init(_ layers: Module...) { self.init(layers) }

    public override func forward(_ x: Tensor) -> Tensor { layers.reduce(x) { $1($0) } }

    public override var children: [(String, Module)] {
        layers.enumerated().map { ("\($0.offset)", $0.element) }
    }
}

/// Returns its input.
public final class Identity: Module {
    public override init() {}
    public override func forward(_ x: Tensor) -> Tensor { x }
}
