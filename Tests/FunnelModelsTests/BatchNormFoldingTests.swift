import Testing
import FunnelNN
@testable import FunnelModels

/// Folding batch norms into the convolutions before them leaves every model's inference output
/// as it was, and folds every norm that follows a convolution (FReLU's own stays with its fused kernel).
@Suite struct BatchNormFoldingTests {
    /// Running statistics and affine parameters away from their identity start, so folding has work to do.
    func randomizeNorms(_ model: Module) {
        for (_, module) in model.namedModules {
            guard let norm = module as? BatchNorm else { continue }
            let c = norm.weight.count
            norm.weight.assign(Tensor.uniform([c], low: 0.5, high: 1.5))
            norm.bias.assign(Tensor.normal([c]) * 0.1)
            norm.runningMean.assign(Tensor.normal([c]) * 0.2)
            norm.runningVar.assign(Tensor.uniform([c], low: 0.5, high: 2))
        }
    }

    @Test(arguments: Models.names(for: .classify), ["relu", "frelu"])
    func foldingKeepsTheOutput(model name: String, act: String) throws {
        DefaultRandom.seed(7)
        let model = try Models.make(ModelConfig(name: name, classes: 10, activation: try Activations.factory(act)))
        randomizeNorms(model)
        model.setMode(.inference)
        // 64x64 for every model: all are fully convolutional up to global pooling, and debug builds are slow.
        let x = Tensor.normal([2, 3, 64, 64])
        let before = withoutGrad { model(x).scalars }
        let norms = model.namedModules.filter { $0.1 is BatchNorm }.count
        let insideFReLU = model.namedModules.filter { $0.1 is FReLU }.count
        #expect(model.foldBatchNorms() == norms - insideFReLU)
        let after = withoutGrad { model(x).scalars }
        let scale = max(1, before.map(abs).max()!)
        let worst = zip(before, after).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-4 * scale, "\(name)/\(act): largest difference \(worst) on logits up to \(scale)")
    }

    @Test func foldingGivesABiaslessConvolutionItsBias() {
        let conv = Conv2d(3, 4, kernel: 3, bias: false), norm = BatchNorm(4)
        norm.setMode(.inference)
        norm.bias.assign(Tensor(shape: [4], scalars: [1, 2, 3, 4]))
        norm.fold(into: conv)
        // Running mean 0 and variance 1: the bias is β exactly.
        #expect(conv.bias?.scalars == [1, 2, 3, 4] && norm.isFolded)
    }
}
