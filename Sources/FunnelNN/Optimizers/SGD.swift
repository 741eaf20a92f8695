import FunnelKernels
import FunnelTensor

/// Stochastic gradient descent with momentum, as `torch.optim.SGD` (dampening 0):
/// `g = grad + wd * p`; `buf = momentum * buf + g` (`buf = g` on the first step);
/// `g = nesterov ? g + momentum * buf : buf`; `p -= lr * g`.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float, weightDecay: Float, nesterov: Bool
    public let parameters: [(String, Tensor)]
    private var slots = SlotStore()

    public init(_ parameters: [(String, Tensor)], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        require(!nesterov || momentum > 0, "[SGD] Nesterov momentum needs momentum > 0")
        self.parameters = parameters; self.learningRate = learningRate
        self.momentum = momentum; self.weightDecay = weightDecay; self.nesterov = nesterov
    }

    public func step() {
        for (i, (_, p)) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            let w = p.buffer.pointer, g = grad.buffer.pointer, n = p.count
            let (lr, wd, mu, nesterov) = (learningRate, weightDecay, momentum, nesterov)
            if mu == 0 {
                parallelChunks(n, minimumPerThread: Optimizers.minimumPerThread) { range in
                    for j in range { w[j] -= lr * (g[j] + wd * w[j]) }
                }
                continue
            }
            let (buffer, fresh) = slots.slot("momentum_buffer", i, like: p)
            let b = buffer.buffer.pointer
            parallelChunks(n, minimumPerThread: Optimizers.minimumPerThread) { range in
                for j in range {
                    let d = g[j] + wd * w[j]
                    let v = fresh ? d : mu * b[j] + d
                    b[j] = v
                    w[j] -= lr * (nesterov ? d + mu * v : v)
                }
            }
        }
    }

    public func state() -> [String: Tensor] { slots.export(parameters) }
    public func load(state: [String: Tensor]) throws {
        try slots.restore(state, names: ["momentum_buffer"], parameters: parameters)
    }
}
