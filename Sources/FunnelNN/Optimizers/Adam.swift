import Foundation
import FunnelKernels
import FunnelTensor

/// Adam (`torch.optim.Adam`, L2 weight decay added to the gradient) and AdamW (`torch.optim.AdamW`,
/// decoupled decay `p -= lr * wd * p` before the update):
/// `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g²`, `p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)`.
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, eps: Float, weightDecay: Float, decoupled: Bool
    public let parameters: [(String, Tensor)]
    public private(set) var stepCount = 0
    private var slots = SlotStore()

    public init(_ parameters: [(String, Tensor)], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false) {
        self.parameters = parameters; self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay; self.decoupled = decoupled
    }

    /// AdamW with PyTorch's default decay 0.01.
    public static func adamW(_ parameters: [(String, Tensor)], learningRate: Float = 1e-3, weightDecay: Float = 0.01) -> Adam {
        Adam(parameters, learningRate: learningRate, weightDecay: weightDecay, decoupled: true)
    }

    public func step() {
        stepCount += 1
        let c1 = 1 - Float(pow(Double(beta1), Double(stepCount)))
        let c2 = 1 - Float(pow(Double(beta2), Double(stepCount)))
        for (i, (_, p)) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            let w = p.buffer.pointer, g = grad.buffer.pointer, n = p.count
            let m = slots.slot("exp_avg", i, like: p).0.buffer.pointer
            let v = slots.slot("exp_avg_sq", i, like: p).0.buffer.pointer
            let (lr, b1, b2, wd, e, decoupled) = (learningRate, beta1, beta2, weightDecay, eps, decoupled)
            parallelChunks(n, minimumPerThread: Optimizers.minimumPerThread) { range in
                for j in range {
                    if decoupled { w[j] -= lr * wd * w[j] }
                    let d = decoupled ? g[j] : g[j] + wd * w[j]
                    m[j] = b1 * m[j] + (1 - b1) * d
                    v[j] = b2 * v[j] + (1 - b2) * d * d
                    w[j] -= lr * (m[j] / c1) / ((v[j] / c2).squareRoot() + e)
                }
            }
        }
    }

    public func state() -> [String: Tensor] {
        var s = slots.export(parameters)
        s["step"] = Tensor(Float(stepCount))
        return s
    }

    public func load(state: [String: Tensor]) throws {
        guard let step = state["step"] else { throw OptimizerStateError(description: "optimizer state has no 'step' entry") }
        stepCount = Int(step.item)
        try slots.restore(state, names: ["exp_avg", "exp_avg_sq"], parameters: parameters)
    }
}
