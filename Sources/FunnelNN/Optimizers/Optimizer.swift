import FunnelTensor

/// Updates parameters from their gradients. Parameters are updated in place (their buffers are
/// written), so a model keeps its tensors across steps.
public protocol Optimizer: AnyObject {
    /// The learning rate used by the next `step()`; schedules set it.
    var learningRate: Float { get set }
    /// The named parameters this optimizer updates.
    var parameters: [(String, Tensor)] { get }
    /// Applies one update from the current gradients (parameters without a gradient are skipped).
    func step()
    /// The optimizer's state (momentum buffers, moments, step count) by name, for checkpoints.
    func state() -> [String: Tensor]
    /// Restores state saved by `state()`; throws naming a missing or mis-shaped entry.
    func load(state: [String: Tensor]) throws
}

extension Optimizer {
    /// Clears every parameter's gradient.
    public func zeroGrad() { for (_, p) in parameters { p.grad = nil } }
}

/// A mismatch between saved optimizer state and the parameters it should belong to.
public struct OptimizerStateError: Error, CustomStringConvertible {
    public let description: String
}

/// Per-parameter state tensors, created on first use and saved as `<prefix>.<param name>`.
struct SlotStore {
    var slots: [String: [Tensor?]] = [:]

    mutating func slot(_ name: String, _ index: Int, like p: Tensor) -> (Tensor, fresh: Bool) {
        if slots[name] == nil { slots[name] = [] }
        while slots[name]!.count <= index { slots[name]!.append(nil) }
        if let t = slots[name]![index] { return (t, false) }
        let t = Tensor.zeros(p.shape)
        slots[name]![index] = t
        return (t, true)
    }

    func export(_ parameters: [(String, Tensor)]) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (slot, tensors) in slots {
            for (i, t) in tensors.enumerated() { if let t { out["\(slot).\(parameters[i].0)"] = t } }
        }
        return out
    }

    mutating func restore(_ state: [String: Tensor], names: [String], parameters: [(String, Tensor)]) throws {
        slots = [:]
        for slot in names {
            var list: [Tensor?] = []
            for (name, p) in parameters {
                guard let t = state["\(slot).\(name)"] else { list.append(nil); continue }
                guard t.shape == p.shape else {
                    throw OptimizerStateError(description: "optimizer state \(slot).\(name): saved shape \(t.shape), parameter has \(p.shape)")
                }
                list.append(t.copy())
            }
            slots[slot] = list
        }
    }
}

/// Scales all gradients so their global L2 norm is at most `maxNorm` (as `clip_grad_norm_`).
/// - Returns: the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters { if let g = p.grad { let v = g.buffer.pointer; for i in 0..<g.count { total += Double(v[i] * v[i]) } } }
    let norm = Float(total.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 {
        for p in parameters {
            guard let g = p.grad else { continue }
            // Gradients may share storage with other tensors of the tape: scale a copy.
            let scaled = withoutGrad { g * scale }
            p.grad = scaled
        }
    }
    return norm
}

/// What the optimizers share.
enum Optimizers {
    /// Elements a thread takes at least in an update: below this a parallel region costs more
    /// than it saves (biases and norms run inline, convolution weights split across threads).
    /// Each element's arithmetic is the same on any thread, so updates are bitwise the same at
    /// every thread count.
    static let minimumPerThread = 1 << 14
}
