import Foundation
import FunnelNN
import FunnelTrain

/// The learned funnel kernels of a FReLU model: every `...conv_frelu.weight` `[C, 1, k, k]` of a
/// checkpoint, with the following batch norm folded in where the checkpoint has it.
///
/// FReLU's condition is `T(x) = BN(DWConv(x))`; in inference BN is `γ (t - μ) / √(σ² + ε) + β`,
/// so the kernel that shapes T per channel is `w · γ / √(σ² + ε)` (the rest is a shift). That
/// effective kernel is what is drawn: the raw weights' scale means nothing after batch norm.
public struct FReLUKernels: Codable, Sendable {
    /// One FReLU layer's kernels.
    public struct Layer: Codable, Sendable {
        /// The activation's path, e.g. `layer1.0.act1` (`act1` is the stem).
        public let path: String
        /// `[channel][row][column]`.
        public let kernels: [[[Double]]]
        /// Whether the batch norm was folded in.
        public let foldedNorm: Bool

        /// The mean kernel over channels.
        public var mean: [[Double]] {
            let k = kernels.first ?? []
            return k.indices.map { i in
                k[i].indices.map { j in kernels.reduce(0) { $0 + $1[i][j] } / Double(max(1, kernels.count)) }
            }
        }

        /// Channels ordered by the size (L2 norm) of their kernel, largest first.
        public var channelsBySize: [Int] {
            let norms = kernels.map { $0.joined().reduce(0) { $0 + $1 * $1 } }
            return norms.indices.sorted { norms[$0] == norms[$1] ? $0 < $1 : norms[$0] > norms[$1] }
        }
    }

    /// The layers in the model's order (stem, then by stage, block and slot).
    public let layers: [Layer]

    /// Reads every funnel kernel of `file`.
    /// - Parameter eps: the batch norm's epsilon (Funnel's and PyTorch's default).
    public init(file: SafetensorsFile, eps: Double = 1e-5) throws {
        let suffix = ".conv_frelu.weight"
        var layers: [Layer] = []
        // Training checkpoints also hold the optimizer's state under `optimizer.`: not kernels.
        for name in file.entries.keys where name.hasSuffix(suffix) && !name.hasPrefix("optimizer.") {
            let path = String(name.dropLast(suffix.count))
            let weight = try file.tensor(name)
            guard weight.rank == 4, weight.shape[1] == 1 else {
                throw ReportError.badCheckpoint("\(name) has shape \(weight.shape), not a depthwise [C, 1, k, k] kernel")
            }
            let (c, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
            var scale = [Double](repeating: 1, count: c)
            var folded = false
            if let gamma = try? file.tensor(path + ".bn_frelu.weight"), let variance = try? file.tensor(path + ".bn_frelu.running_var"),
               gamma.count == c, variance.count == c {
                let g = gamma.scalars, v = variance.scalars
                scale = (0..<c).map { Double(g[$0]) / (Double(v[$0]) + eps).squareRoot() }
                folded = true
            }
            let w = weight.scalars
            let kernels = (0..<c).map { ch in
                (0..<kh).map { i in (0..<kw).map { j in Double(w[(ch * kh + i) * kw + j]) * scale[ch] } }
            }
            layers.append(Layer(path: path, kernels: kernels, foldedNorm: folded))
        }
        self.layers = layers.sorted { Self.order($0.path).lexicographicallyPrecedes(Self.order($1.path)) }
    }

    /// Sort key of an activation path: the stem first, then stage, block and slot numerically.
    static func order(_ path: String) -> [Int] {
        let parts = path.split(separator: ".")
        let numbers = parts.map { part in Int(part.drop { !$0.isNumber }) ?? Int.max }
        return parts.first?.hasPrefix("layer") == true ? numbers : [0] + numbers
    }
}
