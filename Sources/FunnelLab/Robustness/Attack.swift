import Foundation
import FunnelData
import FunnelNN
import FunnelTrain

/// Adversarial accuracy under L∞ attacks, to test the review's claim that smooth activations are
/// more robust than FReLU.
///
/// Perturbations live in pixel space: `eps` is a fraction of the pixel range (8/255 is common) and
/// becomes `eps / std_c` per channel in the normalised input; adversarial images stay valid pixels.
public enum Attack {
    public enum Method: Sendable, Equatable {
        /// Fast gradient sign method (Goodfellow et al. 2015): one step of size eps.
        case fgsm
        /// Projected gradient descent (Madry et al. 2018): a random start in the eps-ball, then
        /// `steps` signed steps of `stepSize` (default 2.5 eps / steps), projected back each time.
        case pgd(steps: Int, stepSize: Double?)
    }

    public struct Result: Codable, Sendable, Equatable {
        public var method: String
        public var eps: Double
        public var images: Int
        public var cleanTop1: Double
        public var adversarialTop1: Double
    }

    /// The adversarial version of a batch `x0` (normalised images) for `model` (which should be in
    /// inference mode, with parameters not requiring grad).
    public static func perturb(_ model: Module, _ x0: Tensor, labels: [Int], normalization norm: Normalization,
                               method: Method, eps: Double, generator: inout RandomGenerator) -> Tensor {
        let c = norm.mean.count
        let view = [1, c, 1, 1]
        let epsPerChannel = Tensor(shape: view, scalars: norm.std.map { Float(eps) / $0 })
        let low = Tensor(shape: view, scalars: (0..<c).map { (0 - norm.mean[$0]) / norm.std[$0] })
        let high = Tensor(shape: view, scalars: (0..<c).map { (1 - norm.mean[$0]) / norm.std[$0] })
        /// sign(∂loss/∂x); must run with recording on.
        func gradientSign(_ x: Tensor) -> Tensor {
            let input = x.detached()
            input.requiresGrad = true
            model(input).crossEntropy(labels: labels).backward()
            return input.grad!.sign()
        }
        func project(_ x: Tensor) -> Tensor {
            let ball = Tensor.minimum(Tensor.maximum(x, x0 - epsPerChannel), x0 + epsPerChannel)
            return Tensor.minimum(Tensor.maximum(ball, low), high)
        }
        switch method {
        case .fgsm:
            let direction = gradientSign(x0)
            return withoutGrad { project(x0 + direction * epsPerChannel) }
        case let .pgd(steps, stepSize):
            let alpha = Tensor(shape: view, scalars: norm.std.map { Float(stepSize ?? 2.5 * eps / Double(steps)) / $0 })
            let start = Tensor.uniform(x0.shape, low: -1, high: 1, generator: &generator)
            var x = withoutGrad { project(x0 + start * epsPerChannel) }
            for _ in 0..<steps {
                let direction = gradientSign(x)
                x = withoutGrad { project(x + direction * alpha) }
            }
            return x
        }
    }

    /// Attacks up to `limit` images of `loader` (evaluation mode) against `model` (set to inference).
    public static func run(_ model: Module, _ loader: DataLoader, method: Method, eps: Double, limit: Int? = nil, seed: UInt64 = 0) throws -> Result {
        model.setMode(.inference)
        let params = model.parameters
        let trainable = params.map(\.requiresGrad)
        for p in params { p.requiresGrad = false }  // gradients w.r.t. the input only
        defer { for (p, t) in zip(params, trainable) { p.requiresGrad = t } }
        var generator = RandomGenerator(seed: seed)
        var clean = 0, adversarial = 0, seen = 0
        for batch in loader.batches(epoch: 0) {
            if let limit, seen >= limit { break }
            clean += try withoutGrad { Evaluation.correct(try Evaluation.requireFinite(model(batch.images), "clean logits"), batch.labels).top1 }
            let x = perturb(model, batch.images, labels: batch.labels, normalization: loader.normalization, method: method, eps: eps, generator: &generator)
            adversarial += try withoutGrad { Evaluation.correct(try Evaluation.requireFinite(model(x), "logits of attacked images"), batch.labels).top1 }
            seen += batch.labels.count
        }
        let name: String
        switch method {
        case .fgsm: name = "fgsm"
        case let .pgd(steps, _): name = "pgd-\(steps)"
        }
        return Result(method: name, eps: eps, images: seen, cleanTop1: Double(clean) / Double(max(1, seen)),
                      adversarialTop1: Double(adversarial) / Double(max(1, seen)))
    }
}
