import Foundation
import Testing
import FunnelData
import FunnelNN
@testable import FunnelLab

/// A linear classifier on flattened 3x2x2 images: the input gradient has a closed form.
private func linearModel() -> (Module, Linear) {
    let linear = Linear(12, 3)
    linear.weight.assign(Tensor(shape: [3, 12], scalars: (0..<36).map { Float(($0 * 7) % 11) / 5 - 1 }))
    linear.bias!.assign(Tensor(shape: [3], scalars: [0.1, -0.2, 0.05]))
    for p in linear.parameters { p.requiresGrad = false }
    let model = Sequential(Flatten(), linear)
    model.setMode(.inference)
    return (model, linear)
}

@Suite struct AttackTests {
    let norm = Normalization(mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.5])
    let x0 = Tensor(shape: [2, 3, 2, 2], scalars: (0..<24).map { Float(($0 * 5) % 9) / 8 - 0.5 })
    let labels = [1, 2]

    @Test func fgsmStepsAlongTheSignOfTheClosedFormGradient() {
        let (model, linear) = linearModel()
        var g = RandomGenerator(seed: 0)
        let eps = 0.01
        let adv = Attack.perturb(model, x0, labels: labels, normalization: norm, method: .fgsm, eps: eps, generator: &g).scalars
        // d CE / d x = W^T (softmax(Wx + b) - onehot(y)), per image.
        let w = linear.weight.scalars, b = linear.bias!.scalars, x = x0.scalars
        for n in 0..<2 {
            let xs = Array(x[(n * 12)..<((n + 1) * 12)])
            let logits = (0..<3).map { k in (0..<12).reduce(b[k]) { $0 + w[k * 12 + $1] * xs[$1] } }
            let m = logits.max()!, e = logits.map { Foundation.exp($0 - m) }, s = e.reduce(0, +)
            let p = (0..<3).map { e[$0] / s - ($0 == labels[n] ? 1 : 0) }
            for i in 0..<12 {
                let grad = (0..<3).reduce(Float(0)) { $0 + w[$1 * 12 + i] * p[$1] }
                let channel = i / 4  // NCHW flatten: 4 pixels per channel
                let expected = xs[i] + Float(eps) / norm.std[channel] * (grad > 0 ? 1 : -1)
                #expect(Swift.abs(adv[n * 12 + i] - expected) < 1e-5, "image \(n) element \(i)")
            }
        }
    }

    @Test func pgdStaysInTheBallAndThePixelRange() {
        let (model, _) = linearModel()
        var g = RandomGenerator(seed: 1)
        let eps = 0.05
        let adv = Attack.perturb(model, x0, labels: labels, normalization: norm, method: .pgd(steps: 7, stepSize: nil), eps: eps, generator: &g).scalars
        for (i, (a, x)) in zip(adv, x0.scalars).enumerated() {
            let c = (i % 12) / 4
            #expect(Swift.abs(a - x) <= Float(eps) / norm.std[c] + 1e-6)
            #expect(a >= (0 - norm.mean[c]) / norm.std[c] - 1e-6 && a <= (1 - norm.mean[c]) / norm.std[c] + 1e-6)
        }
    }

    @Test func pgdRaisesTheLossMoreThanFGSM() {
        let (model, _) = linearModel()
        var g = RandomGenerator(seed: 2)
        func loss(_ x: Tensor) -> Float { withoutGrad { model(x).crossEntropy(labels: labels).item } }
        let fgsm = Attack.perturb(model, x0, labels: labels, normalization: norm, method: .fgsm, eps: 0.03, generator: &g)
        let pgd = Attack.perturb(model, x0, labels: labels, normalization: norm, method: .pgd(steps: 10, stepSize: nil), eps: 0.03, generator: &g)
        #expect(loss(fgsm) > loss(x0))
        #expect(loss(pgd) >= loss(fgsm) - 1e-4)
    }
}
