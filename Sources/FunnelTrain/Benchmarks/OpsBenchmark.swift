import Foundation
import FunnelKernels
import FunnelModels
import FunnelNN

/// `funnel bench ops`: the convolution layers of CIFAR ResNets timed through Funnel's tensor API
/// and as bare oneDNN primitives, so the framework's overhead shows directly.
public enum OpsBenchmark {
    public struct Result: Codable, Sendable {
        public let op: String
        public let shape: String
        public let pass: String
        public let seconds: Double
        /// Every kernel tap counted (`ConvGeometry.macs`); `innerGFLOPS` only those inside the image.
        public let gflops: Double
        public let innerGFLOPS: Double
        /// The bare oneDNN primitive of this pass on the same shape (weights pre-reordered, memory
        /// made once).
        public let primitiveSeconds: Double
        /// `seconds / primitiveSeconds - 1`: below zero where Funnel runs the pass another way (a
        /// stride-1 backward-data as a forward convolution, `ConvGeometry.backwardDataAsForward`; its
        /// own kernel, `ConvGeometry.runsOnOwnKernel`).
        public let overhead: Double
        public let implementation: String

        enum CodingKeys: String, CodingKey {
            case op, shape, pass, seconds, gflops, implementation
            case innerGFLOPS = "inner_gflops", primitiveSeconds = "primitive_seconds", overhead
        }

        /// A pass of convolution `g` that took `seconds` against `primitiveSeconds` for what it
        /// replaces; `passes` convolution passes' multiply-adds (1, or 2 for both gradients).
        init(op: String, _ g: ConvGeometry, pass: String, passes: Int = 1, seconds: Double, primitiveSeconds: Double, implementation: String) {
            self.op = op
            self.shape = g.description
            self.pass = pass
            self.seconds = seconds
            self.gflops = Double(2 * passes * g.macs) / seconds * 1e-9
            self.innerGFLOPS = Double(2 * passes * g.innerMACs) / seconds * 1e-9
            self.primitiveSeconds = primitiveSeconds
            self.overhead = seconds / primitiveSeconds - 1
            self.implementation = implementation
        }

        /// This pass's share of the FMA units' peak, every tap counted and only those inside the image.
        public func ofPeak(_ peakGFLOPS: Double) -> (all: Double, inner: Double) { (gflops / peakGFLOPS, innerGFLOPS / peakGFLOPS) }
    }

    public struct Report: Codable, Sendable {
        public let threads: Int
        /// Every pass timed after the caches were flushed (median of the repeats), not warm (best).
        public let cold: Bool
        /// The FMA units' peak on the same threads, measured before the passes (`FMAPeak`): what no
        /// pass can exceed once padding taps are left out (`Result.innerGFLOPS`).
        public let fmaPeakGFLOPS: Double
        public let results: [Result]

        enum CodingKeys: String, CodingKey {
            case threads, cold, results
            case fmaPeakGFLOPS = "fma_peak_gflops"
        }
    }

    /// Distinct convolutions of `models` at `batch`, with FReLU's depthwise 3x3 convs included.
    public static func convolutions(models: [String], batch: Int) throws -> [(String, ConvGeometry)] {
        var out: [(String, ConvGeometry)] = []
        for name in models {
            let entry = try Models.entry(name)
            let model = try Models.make(ModelConfig(name: name, classes: 10, activation: try Activations.factory("frelu")))
            let x = Tensor.zeros([batch] + entry.input)
            let counter = OpCounter.record { _ = withoutGrad { model(x) } }
            for g in counter.convolutions where !out.contains(where: { $0.1 == g }) { out.append((name, g)) }
        }
        return out
    }

    /// The practical ceiling of a training step: the best GFLOPS that any pass (forward,
    /// backward-data, backward-weights) of any dense 3x3 convolution of `models` reaches at
    /// `batch`, each timed as a bare oneDNN primitive (best of `repeats`); `all` counts every tap,
    /// `inner` only those inside the image (`ConvGeometry.innerMACs`), and may be another pass.
    /// Each convolution runs as Funnel runs it (`Convolution.usesWinograd`), or direct with `direct`.
    public static func convolutionCeiling(models: [String], batch: Int, repeats: Int = 3, direct: Bool = false)
        throws -> (all: (gflops: Double, convolution: String), inner: (gflops: Double, convolution: String)) {
        var all = (gflops: 0.0, convolution: ""), inner = all
        for (_, g) in try convolutions(models: models, batch: batch) where g.kh == 3 && g.kw == 3 && g.groups == 1 {
            for pass in Convolution.Pass.allCases {
                let useWinograd = !direct && Convolution.usesWinograd(g)
                let seconds = Convolution.timePrimitive(g, pass: pass, winograd: useWinograd, time: PassTiming(runs: repeats, cold: false).seconds)
                let algorithm = useWinograd ? " winograd" : ""
                let gflops = 2 * Double(g.macs) / seconds * 1e-9, innerGFLOPS = 2 * Double(g.innerMACs) / seconds * 1e-9
                if gflops > all.gflops { all = (gflops, "\(g) \(pass.rawValue)\(algorithm)") }
                if innerGFLOPS > inner.gflops { inner = (innerGFLOPS, "\(g) \(pass.rawValue)\(algorithm)") }
            }
        }
        return (all, inner)
    }

    /// Times each convolution's forward, backward-data and backward-weights passes, and both
    /// backward passes together where they run as one (`backward`): the best of `repeats + 1` warm
    /// runs, or with `cold` the median of as many runs after flushing the caches.
    public static func run(models: [String], batch: Int, repeats: Int, cold: Bool = false,
                           progress: (String) -> Void = { _ in }) throws -> Report {
        let timing = PassTiming(runs: repeats + 1, cold: cold)
        let fmaPeak = FMAPeak.measure()
        var results: [Result] = []
        for (model, g) in try convolutions(models: models, batch: batch) {
            let kind = g.groups == g.inChannels && g.groups > 1 ? "depthwise_conv\(g.kh)x\(g.kw)" : "conv\(g.kh)x\(g.kw)"
            progress("\(model) \(kind) \(g)")
            let x = Tensor.uniform([g.batch, g.inChannels, g.height, g.width], low: -1, high: 1)
            let w = Tensor.uniform([g.outChannels, g.inChannels / g.groups, g.kh, g.kw], low: -0.1, high: 0.1)
            let b = g.hasBias ? Tensor.zeros([g.outChannels]) : nil
            let gradOut = Tensor.uniform([g.batch, g.outChannels, g.outHeight, g.outWidth], low: -1, high: 1)
            var bareSeconds: [Convolution.Pass: Double] = [:]
            for pass in Convolution.Pass.allCases {
                let seconds: Double
                switch pass {
                case .forward:
                    seconds = timing.seconds { _ = withoutGrad { x.conv2d(w, bias: b, stride: (g.strideH, g.strideW), padding: (g.padH, g.padW), groups: g.groups) } }
                case .backwardData, .backwardWeights:
                    // Time the tensor-level backward op alone: a graph whose only input is x or w,
                    // built anew for each run (backward consumes it).
                    seconds = timing.seconds(prepare: { () -> Tensor in
                        let (input, other) = pass == .backwardData ? (x.detached(), w) : (w.detached(), x)
                        input.requiresGrad = true
                        return pass == .backwardData
                            ? input.conv2d(other, bias: b, stride: (g.strideH, g.strideW), padding: (g.padH, g.padW), groups: g.groups)
                            : other.conv2d(input, bias: b, stride: (g.strideH, g.strideW), padding: (g.padH, g.padW), groups: g.groups)
                    }) { y in y.backward(gradOut) }
                }
                let bare = Convolution.timePrimitive(g, pass: pass, time: timing.seconds)
                bareSeconds[pass] = bare
                results.append(Result(op: kind, g, pass: pass.rawValue, seconds: seconds, primitiveSeconds: bare,
                                      implementation: Convolution.implementation(g, pass: pass)))
            }
            if Convolution.usesOwnBackward(g), let data = bareSeconds[.backwardData], let weights = bareSeconds[.backwardWeights] {
                // Both gradients, as a training step asks for them, run in one pass over the samples
                // (`Convolution.usesOwnBackward`); against the two bare primitives.
                let seconds = timing.seconds(prepare: { () -> Tensor in
                    let (input, weight) = (x.detached(), w.detached())
                    input.requiresGrad = true
                    weight.requiresGrad = true
                    return input.conv2d(weight, stride: (g.strideH, g.strideW), padding: (g.padH, g.padW))
                }) { y in y.backward(gradOut) }
                results.append(Result(op: kind, g, pass: "backward", passes: 2, seconds: seconds, primitiveSeconds: data + weights,
                                      implementation: Convolution.implementation(g, pass: .backwardWeights) + " one pass"))
            }
            if let depthwise = DepthwiseShape(g), FReLU3x3Kernel.supports(depthwise) {
                results += freluFused(g, depthwise, timing: timing)
                results += freluBlockEnd(g, timing: timing)
            }
        }
        return Report(threads: DNNLContext.shared.threads, cold: cold, fmaPeakGFLOPS: fmaPeak, results: results)
    }
}
