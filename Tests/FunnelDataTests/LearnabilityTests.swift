import FunnelTensor
import Testing
@testable import FunnelData

/// The synthetic dataset is meant for quick experiments with small CNNs: one must learn it.
@Suite struct LearnabilityTests {
    /// A tiny CNN (two strided convolutions, global pooling, a linear layer) trained with plain SGD
    /// and momentum for a few epochs on a few hundred images gets well above chance (10%).
    @Test func smallConvNetLearnsTheSyntheticClasses() {
        let splits = SyntheticDataset.make(trainCount: 1000, testCount: 300, seed: 1)
        let normalization = Normalization(fitting: splits.train)
        var generator = RandomGenerator(seed: 2)
        /// He-initialised weights of `shape` (fan-in: all but the first dimension), or zeros.
        func parameter(_ shape: [Int], zero: Bool = false) -> Tensor {
            let fanIn = shape.dropFirst().reduce(1, *)
            let t = zero ? Tensor.zeros(shape) : Tensor.normal(shape, std: (2 / Float(fanIn)).squareRoot(), generator: &generator)
            t.requiresGrad = true
            return t
        }
        let w1 = parameter([16, 3, 5, 5]), b1 = parameter([16], zero: true)
        let w2 = parameter([32, 16, 3, 3]), b2 = parameter([32], zero: true)
        let w3 = parameter([10, 32]), b3 = parameter([10], zero: true)
        let parameters = [w1, b1, w2, b2, w3, b3]
        var velocity = parameters.map { Tensor.zeros($0.shape) }
        func logits(_ x: Tensor) -> Tensor {
            let h1 = x.conv2d(w1, bias: b1, stride: (2, 2), padding: (2, 2)).relu()
            let h2 = h1.conv2d(w2, bias: b2, stride: (2, 2), padding: (1, 1)).relu()
            return h2.globalAvgPool().flattened().linear(w3, bias: b3)
        }
        let train = DataLoader(splits.train, normalization: normalization, options: .init(batchSize: 50, augmentation: .none, seed: 3))
        for epoch in 0..<6 {
            for batch in train.batches(epoch: epoch) {
                let loss = logits(batch.images).crossEntropy(labels: batch.labels)
                loss.backward()
                withoutGrad {
                    for (k, p) in parameters.enumerated() {
                        velocity[k] = velocity[k] * 0.9 + p.grad!
                        p.assign(p - velocity[k] * 0.05)
                        p.zeroGrad()
                    }
                }
            }
        }
        let test = DataLoader(splits.test, normalization: normalization, options: .init(batchSize: 100, mode: .evaluation))
        var correct = 0
        withoutGrad {
            for batch in test.batches(epoch: 0) {
                correct += zip(logits(batch.images).argmaxLastAxis(), batch.labels).filter { $0 == $1 }.count
            }
        }
        let accuracy = Double(correct) / Double(splits.test.count)
        print("synthetic test accuracy of the small CNN: \(accuracy)")
        #expect(accuracy > 0.4, "test accuracy \(accuracy)")
    }
}
