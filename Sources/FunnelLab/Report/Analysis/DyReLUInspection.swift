import Foundation
import FunnelNN
import FunnelStats

/// Is DY-ReLU dynamic? Its pieces `a_c^k(x) x + b_c^k(x)` are chosen per image by a hyper
/// function of the whole input. If they barely move between images, every image's points
/// (input against output of one channel) fall on one curve and the layer is a fixed piecewise
/// linear function; if they move, each image draws its own curve.
///
/// Per block this takes the block's last DY-ReLU (and the stem's): the input-output points of
/// one channel for a few images, and for every channel the spread over images of its
/// coefficients.
public struct DyReLUInspection: Codable, Sendable {
    /// An input and the activation's output there.
    public struct Point: Codable, Sendable, Hashable {
        public let x: Double
        public let y: Double
    }

    /// One DY-ReLU layer.
    public struct Block: Codable, Sendable {
        /// The activation's path (`act1` is the stem, `layer2.0.act2` a block's last).
        public let path: String
        public let channels: Int
        /// The channel drawn: the one whose slopes vary most between images.
        public let channel: Int
        /// Per drawn image: (input, output) of `channel` at evenly spaced positions.
        public let points: [[Point]]
        /// Per piece k: the median over channels of the standard deviation over images of a^k.
        public let slopeSpread: [Double]
        /// Per piece k: the median over channels of the standard deviation over images of b^k.
        public let interceptSpread: [Double]
        /// Range over images of the drawn channel's first slope a¹.
        public let slopeRange: ClosedRange<Double>
    }

    public let blocks: [Block]
    /// Images behind the spreads.
    public let imageCount: Int
    /// The drawn images' class names.
    public let captions: [String]

    /// Runs the sample through the model.
    /// - Parameters:
    ///   - drawnImages: images whose points are drawn (all of the sample's enter the spreads).
    ///   - pointsPerImage: positions drawn per image and block.
    /// - Throws: when the model has no DY-ReLU, or the sample has one image (its spreads would
    ///   read 0, a static DY-ReLU, whatever the layer does).
    public init(sample: InspectionSample, drawnImages: Int = 6, pointsPerImage: Int = 100) throws {
        let n = sample.images.shape[0]
        guard n >= 2 else {
            throw ReportError.tooFewImages("how DY-ReLU's coefficients vary between images needs at least 2 test images; the sample has \(n)")
        }
        let drawn = min(drawnImages, n)
        var found: [(path: String, block: Block)] = []
        _ = try withoutGrad {
            try ActivationTrace.forward(sample.model, sample.images) { path, module, x in
                guard let dy = module as? DyReLU else { return }
                let (slopes, intercepts) = dy.coefficients(x)
                let a = slopes.scalars, b = intercepts.scalars
                let (c, k) = (x.shape[1], dy.pieces)
                func values(_ t: [Float], _ ch: Int, _ piece: Int) -> [Double] {
                    (0..<n).map { Double(t[($0 * c + ch) * k + piece]) }
                }
                func std(_ v: [Double]) -> Double { SampleSummary(v).standardDeviation! }  // n >= 2 values
                func median(_ v: [Double]) -> Double {
                    let s = v.sorted()
                    return s.isEmpty ? 0 : (s[(s.count - 1) / 2] + s[s.count / 2]) / 2
                }
                let slopeSpread = (0..<k).map { piece in median((0..<c).map { std(values(a, $0, piece)) }) }
                let interceptSpread = (0..<k).map { piece in median((0..<c).map { std(values(b, $0, piece)) }) }
                let movement = (0..<c).map { ch in (0..<k).reduce(0) { $0 + std(values(a, ch, $1)) } }
                let channel = movement.indices.max { movement[$0] < movement[$1] } ?? 0
                let first = values(a, channel, 0)
                let y = dy(x).scalars
                let xs = x.scalars
                let (h, w) = (x.shape[2], x.shape[3])
                let step = max(1, (h * w) / max(1, pointsPerImage))
                let points = (0..<drawn).map { i in
                    stride(from: 0, to: h * w, by: step).map { p in
                        let index = (i * c + channel) * h * w + p
                        return Point(x: Double(xs[index]), y: Double(y[index]))
                    }
                }
                let block = Block(path: path, channels: c, channel: channel, points: points, slopeSpread: slopeSpread,
                                  interceptSpread: interceptSpread, slopeRange: (first.min() ?? 0)...(first.max() ?? 0))
                found.append((path, block))
            }
        }
        guard !found.isEmpty else { throw ReportError.unsupportedModel("the model has no DY-ReLU layer") }
        // Keep the stem and each block's last activation.
        var blocks: [Block] = []
        for (index, item) in found.enumerated() {
            let prefix = Self.blockPrefix(item.path)
            let next = index + 1 < found.count ? Self.blockPrefix(found[index + 1].path) : nil
            if prefix.isEmpty || prefix != next { blocks.append(item.block) }
        }
        self.blocks = blocks
        imageCount = n
        captions = Array(sample.captions.prefix(drawn))
    }

    /// `layer2.0.act2` -> `layer2.0`; the stem's `act1` -> "".
    static func blockPrefix(_ path: String) -> String {
        guard let dot = path.lastIndex(of: "."), path.hasPrefix("layer") else { return "" }
        return String(path[..<dot])
    }
}
