import FunnelKernels

/// One recorded op: where its inputs came from and the rule that maps the output's gradient to theirs.
///
/// A node holds the graph's structure, not its tensors: an input is reached through its own node
/// (or, for a leaf, the leaf tensor itself), so an intermediate result stays in memory only while
/// something still uses it — a later op, or a backward rule that captured it because its gradient
/// needs the values (conv its input, ReLU its output). Rules capture only what they need; one that
/// needs its own output captures `output.detached()` (same buffer, no reference cycle).
final class Node {
    /// An input as the backward walk sees it.
    struct Edge {
        enum Source {
            /// Produced by a recorded op: its gradient goes on to that op.
            case op(Node)
            /// A leaf that requires grad (a parameter): its gradient lands in `grad`.
            case leaf(Tensor)
            /// No gradient flows here.
            case constant
        }
        let source: Source
        let shape: [Int]
    }

    let name: String
    private(set) var inputs: [Edge]
    private(set) var rule: ((_ gradOutput: Tensor) -> [Tensor?])?
    /// The tensor this op produced, to detach it from the graph once the tape is released.
    weak var output: Tensor?

    init(_ name: String, _ inputs: [Tensor], _ rule: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs.map { t in
            Edge(source: !t.requiresGrad ? .constant : t.node.map { .op($0) } ?? .leaf(t), shape: t.shape)
        }
        self.rule = rule
    }

    /// Frees what the rule captured and the links to the inputs; the output becomes a constant.
    func release() {
        rule = nil
        inputs = []
        output?.node = nil
    }

    /// Nodes reachable from `root`, inputs before outputs.
    static func topologicalOrder(from root: Node) -> [Node] {
        var order: [Node] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Node, Bool)] = [(root, false)]
        while let (n, expanded) = stack.popLast() {
            if expanded { order.append(n); continue }
            guard visited.insert(ObjectIdentifier(n)).inserted else { continue }
            stack.append((n, true))
            for case .op(let input) in n.inputs.map(\.source) where !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }
}

/// Whether ops record onto the tape. `withoutGrad` turns it off for a scope (evaluation, updates).
public enum GradMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording gradients.
public func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

extension Tensor {
    /// Attaches a backward rule to an op's output when any input requires grad and recording is on.
    /// Every differentiable op ends with this; the rule returns one gradient per input (nil: none),
    /// of the input's shape or compact: the same rank with 1 in the dims along which it is constant
    /// (a mean's gradient, `[N, C, 1, 1]` for `[N, C, H, W]`). The engine adds a compact gradient to
    /// the others with a broadcast and expands it only when nothing else reaches that input.
    @discardableResult
    func recording(_ name: String, _ inputs: [Tensor], _ rule: @escaping (_ grad: Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled else { return self }
        // Ops run without grad (inside other ops, in backward rules) are part of whatever runs them.
        OpProfile.current?.forward(name, inputs: inputs, output: self)
        if inputs.contains(where: { $0.requiresGrad }) {
            requiresGrad = true
            node = Node(name, inputs, rule)
            node!.output = self
        }
        return self
    }

    /// Reverse-mode differentiation from this tensor.
    ///
    /// Walks the recorded ops in a reverse topological order (every op's rule runs after the rules
    /// of all ops that consumed its output; ops on independent branches in either order) and
    /// accumulates gradients into `grad` of every leaf that requires grad (adding to what is there
    /// until `zeroGrad()`). Each op's saved tensors are freed as soon as its rule has run, and the
    /// tape is gone afterwards.
    /// - Parameter gradient: d(something)/d(self); defaults to 1 for a one-element tensor.
    public func backward(_ gradient: Tensor? = nil) {
        require(gradient != nil || count == 1, "[backward] needs a gradient for non-scalar output of shape \(shape)")
        require(requiresGrad, "[backward] tensor does not require grad (no parameter reached it, or recorded under withoutGrad)")
        let seed = gradient ?? Tensor.full(shape, 1)
        guard let root = node else {
            accumulateGrad(seed)
            return
        }
        var order = Node.topologicalOrder(from: root)
        let pending = PendingGradients()
        pending.sums[ObjectIdentifier(root)] = (seed, seed.shape)
        let profile = OpProfile.current
        func walk() {
            while let node = order.popLast() {
                defer { node.release() }
                guard let (sum, shape) = pending.sums.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                let g = sum.expanded(to: shape)
                guard let rule = node.rule else { preconditionFailure("[backward] \(node.name) was already released by an earlier backward()") }
                let inputGrads = profile?.backward(node.name, inputShapes: node.inputs.map(\.shape), gradOutput: g) { rule(g) } ?? rule(g)
                require(inputGrads.count == node.inputs.count, "[backward] \(node.name) returned \(inputGrads.count) gradients for \(node.inputs.count) inputs")
                for (input, ig) in zip(node.inputs, inputGrads) {
                    guard let ig else { continue }
                    if case .constant = input.source { continue }
                    require(isCompact(ig.shape, of: input.shape),
                            "[backward] \(node.name) gave gradient \(ig.shape) for input \(input.shape)")
                    let started = profile != nil ? OpProfile.clock() : 0
                    var kind = "grad accumulation"
                    switch input.source {
                    case .op(let producer):
                        let key = ObjectIdentifier(producer)
                        if var sum = pending.sums.removeValue(forKey: key)?.sum {
                            if sum.shape != ig.shape { kind = "grad accumulation, broadcast" }
                            Tensor.accumulate(&sum, ig)
                            pending.sums[key] = (sum, input.shape)
                        } else {
                            pending.sums[key] = (ig, input.shape)
                        }
                    case .leaf(let leaf): leaf.accumulateGrad(ig.expanded(to: input.shape))
                    case .constant: break
                    }
                    profile?.add(kind, pass: .backward, seconds: OpProfile.seconds(since: started), bytes: 0)
                }
            }
        }
        PendingGradients.$current.withValue(pending) { withoutGrad(walk) }
        profile?.mark()
    }

    /// Whether `shape` is `full`, or `full` with some dims 1: a gradient constant along those dims.
    private func isCompact(_ shape: [Int], of full: [Int]) -> Bool {
        shape.count == full.count && zip(shape, full).allSatisfy { $0 == $1 || $0 == 1 }
    }

    /// Inside a backward rule: the gradient the rules run so far have summed for this input (the
    /// output of an op that ops after this one consumed too), handed over for the rule to add its
    /// own share into in place and return as the input's gradient; nil when there is none yet, it
    /// is compact, or anything else holds it or its buffer. Saves the engine's addition pass: a
    /// residual block's input gets the shortcut's gradient first, then its first convolution's.
    func takePendingGradient() -> Tensor? {
        guard let pending = PendingGradients.current, let node else { return nil }
        let key = ObjectIdentifier(node)
        // The engine keeps each sum with this input's shape; a compact sum has a smaller one.
        guard var entry = pending.sums.removeValue(forKey: key) else { return nil }
        guard entry.sum.shape == shape, Tensor.isHeldAlone(&entry.sum) else {
            pending.sums[key] = entry
            return nil
        }
        return entry.sum
    }

    /// `sum += g` for a gradient sum in backward: written into `sum`'s buffer when `sum` is already
    /// as large as the result and nothing else holds it or its buffer (a rule may return one tensor
    /// for several inputs, or a view of one it keeps), else into a new tensor. In place, the sum
    /// is one pass that reads and writes it instead of one that writes a fresh buffer.
    static func accumulate(_ sum: inout Tensor, _ g: Tensor) {
        let fullSize = sum.rank == g.rank && zip(sum.shape, g.shape).allSatisfy { $0 == $1 || $1 == 1 }
        guard fullSize, isHeldAlone(&sum) else {
            sum = sum + g
            return
        }
        Binary.run(.add, a: sum.layout, sum.buffer.pointer, b: g.layout, g.buffer.pointer, dst: sum.layout, sum.buffer.pointer)
    }

    /// Whether nothing but `t` holds this tensor and its buffer, so it may be written in place.
    private static func isHeldAlone(_ t: inout Tensor) -> Bool {
        isKnownUniquelyReferenced(&t) && isKnownUniquelyReferenced(&t.buffer)
    }

    /// `grad += g` (the first contribution is taken as it is).
    private func accumulateGrad(_ g: Tensor) {
        grad = grad.map { $0 + g } ?? g
    }
}

/// The gradient sums of the running backward pass: each op's gradient so far, with the shape of the
/// op's output, a sum of its consumers' shares, any of which may be compact (see `recording`) and
/// is expanded only when the op's rule runs. Rules reach it through `takePendingGradient`; only
/// the thread that runs `backward` touches it.
final class PendingGradients: @unchecked Sendable {
    var sums: [ObjectIdentifier: (sum: Tensor, shape: [Int])] = [:]
    @TaskLocal static var current: PendingGradients?
}
