/// One recorded op: its inputs and the rule that maps the output's gradient to theirs.
///
/// The rule receives the output tensor as an argument instead of capturing it, so a node never
/// keeps its own output alive (no reference cycles), and the graph frees itself after `backward()`.
final class Node {
    let name: String
    let inputs: [Tensor]
    let rule: (_ gradOutput: Tensor, _ output: Tensor) -> [Tensor?]

    init(_ name: String, _ inputs: [Tensor], _ rule: @escaping (Tensor, Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.rule = rule
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
    /// Every differentiable op ends with this; the rule returns one gradient per input (nil: none).
    @discardableResult
    func recording(_ name: String, _ inputs: [Tensor], _ rule: @escaping (_ grad: Tensor, _ output: Tensor) -> [Tensor?]) -> Tensor {
        if GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) {
            requiresGrad = true
            node = Node(name, inputs, rule)
        }
        return self
    }

    /// Reverse-mode differentiation from this tensor.
    ///
    /// Walks the recorded ops in reverse order of creation, accumulates gradients into `grad` of every
    /// leaf that requires grad (adding to what is there until `zeroGrad()`), then releases the tape:
    /// intermediate results saved for backward are freed.
    /// - Parameter gradient: d(something)/d(self); defaults to 1 for a one-element tensor.
    public func backward(_ gradient: Tensor? = nil) {
        precondition(gradient != nil || count == 1, "[backward] needs a gradient for non-scalar output of shape \(shape)")
        precondition(requiresGrad, "[backward] tensor does not require grad (no parameter reached it, or recorded under withoutGrad)")
        let order = topologicalOrder()
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): gradient ?? Tensor.full(shape, 1)]
        withoutGrad {
            for t in order.reversed() {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
                guard let node = t.node else {
                    if t.requiresGrad { t.grad = t.grad.map { $0 + g } ?? g }
                    continue
                }
                let inputGrads = node.rule(g, t)
                precondition(inputGrads.count == node.inputs.count, "[backward] \(node.name) returned \(inputGrads.count) gradients for \(node.inputs.count) inputs")
                for (input, ig) in zip(node.inputs, inputGrads) {
                    guard let ig, input.requiresGrad else { continue }
                    precondition(ig.shape == input.shape, "[backward] \(node.name) gave gradient \(ig.shape) for input \(input.shape)")
                    let key = ObjectIdentifier(input)
                    grads[key] = grads[key].map { $0 + ig } ?? ig
                }
            }
        }
        for t in order where t.node != nil { t.node = nil }
    }

    /// Tensors reachable from self through recorded ops, inputs before outputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            guard visited.insert(ObjectIdentifier(t)).inserted else { continue }
            stack.append((t, true))
            for input in t.node?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }
}
