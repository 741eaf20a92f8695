import Foundation
import FunnelKernels
import FunnelModels
import FunnelNN

/// `funnel bench acts`: each activation's forward and backward on the activation shapes of CIFAR
/// ResNet-20 and ResNet-18 at a batch size; unfused reference paths can be listed beside fused ones.
public enum ActivationBenchmark {
    public struct Result: Codable, Sendable {
        public let act: String
        public let shape: [Int]
        public let forwardSeconds: Double
        public let backwardSeconds: Double
        enum CodingKeys: String, CodingKey {
            case act, shape, forwardSeconds = "forward_seconds", backwardSeconds = "backward_seconds"
        }
    }

    public struct Report: Codable, Sendable {
        public let threads: Int
        public let results: [Result]
    }

    /// `[N, C, H, W]` of every activation slot of CIFAR ResNet-20 and ResNet-18.
    public static func shapes(batch: Int) -> [[Int]] {
        [[batch, 16, 32, 32], [batch, 32, 16, 16], [batch, 64, 8, 8],
         [batch, 64, 32, 32], [batch, 128, 16, 16], [batch, 256, 8, 8], [batch, 512, 4, 4]]
    }

    /// Best-of-`repeats` forward (training mode, recording) and backward seconds per activation and shape.
    public static func run(acts: [String], shapes: [[Int]], repeats: Int, progress: (String) -> Void = { _ in }) throws -> Report {
        var results: [Result] = []
        for spec in acts {
            let factory = try Activations.factory(spec)
            for shape in shapes {
                progress("\(spec) \(shape)")
                DefaultRandom.seed(0)
                let layer = factory(channels: shape[1])
                let x = Tensor.normal(shape)
                x.requiresGrad = true
                let g = Tensor.normal(shape)
                var forward = Double.infinity, backward = Double.infinity
                for _ in 0..<(repeats + 1) {
                    var y: Tensor?
                    forward = min(forward, measureSeconds { y = layer(x) })
                    backward = min(backward, measureSeconds { y!.backward(g) })
                    x.grad = nil
                    layer.zeroGrad()
                }
                results.append(Result(act: spec, shape: shape, forwardSeconds: forward, backwardSeconds: backward))
            }
        }
        return Report(threads: DNNLContext.shared.threads, results: results)
    }
}
