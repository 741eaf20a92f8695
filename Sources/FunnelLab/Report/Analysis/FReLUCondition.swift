import Foundation
import FunnelData
import FunnelNN
import FunnelTrain

/// Where FReLU takes its spatial condition: at each position, whether `T(x) > x`, so that the
/// output is the funnel condition rather than the input itself.
public struct FReLUCondition: Codable, Sendable {
    /// Share of all positions (images x channels x pixels) of one layer where T(x) > x.
    public struct LayerShare: Codable, Sendable, Hashable {
        public let path: String
        public let share: Double
    }

    /// Every FReLU layer (with the max combination) in model order.
    public let shares: [LayerShare]
    /// The layer of the maps.
    public let layer: String
    /// Per image: the fraction of channels where T(x) > x, at each image pixel (row-major,
    /// upsampled from the layer's resolution by repetition).
    public let maps: [[Double]]
    /// Height and width of the maps (the images').
    public let height: Int, width: Int
    /// The layer's own resolution.
    public let layerHeight: Int, layerWidth: Int
    /// The test images.
    public let pictures: [ReportPicture]
    public let captions: [String]

    /// Runs the sample's images through the model.
    /// - Parameter layer: the FReLU layer of the maps (default: the first block's first, else the first FReLU).
    /// - Throws: `ReportError.unsupportedModel` when the model has no FReLU with the max
    ///   combination, `ReportError.noSuchLayer` when `layer` is not one of them.
    public init(sample: InspectionSample, layer: String? = nil) throws {
        var shares: [LayerShare] = []
        var fractions: [String: (maps: [[Double]], h: Int, w: Int)] = [:]
        let n = sample.images.shape[0]
        _ = try withoutGrad {
            try ActivationTrace.forward(sample.model, sample.images) { path, module, x in
                guard let frelu = module as? FReLU, frelu.combination == .max else { return }
                let t = frelu.spatialCondition(x).scalars
                let v = x.scalars
                let (c, h, w) = (x.shape[1], x.shape[2], x.shape[3])
                var taken = 0
                var maps = [[Double]](repeating: [Double](repeating: 0, count: h * w), count: n)
                for i in 0..<n {
                    for ch in 0..<c {
                        let base = (i * c + ch) * h * w
                        for p in 0..<(h * w) where t[base + p] > v[base + p] {
                            taken += 1
                            maps[i][p] += 1
                        }
                    }
                    maps[i] = maps[i].map { $0 / Double(c) }
                }
                shares.append(LayerShare(path: path, share: Double(taken) / Double(max(1, v.count))))
                fractions[path] = (maps, h, w)
            }
        }
        guard let first = shares.first else {
            throw ReportError.unsupportedModel("the model has no FReLU layer of the form max(x, T(x))")
        }
        let chosen = layer ?? (fractions["layer1.0.act1"] != nil ? "layer1.0.act1" : first.path)
        guard let found = fractions[chosen] else {
            let paths = shares.map(\.path)
            throw ReportError.noSuchLayer("no FReLU layer '\(chosen)'" + (closestMatch(to: chosen, in: paths).map { " (did you mean '\($0)'?)" } ?? "")
                                          + "; FReLU layers: \(paths.joined(separator: ", "))")
        }
        let height = sample.pictures.first?.height ?? found.h
        let width = sample.pictures.first?.width ?? found.w
        maps = found.maps.map { Self.upsample($0, from: (found.h, found.w), to: (height, width)) }
        self.shares = shares
        self.layer = chosen
        self.height = height
        self.width = width
        layerHeight = found.h
        layerWidth = found.w
        pictures = sample.pictures.map(ReportPicture.init)
        captions = sample.captions
    }

    /// Nearest-neighbour resampling of a row-major map.
    static func upsample(_ map: [Double], from source: (Int, Int), to target: (Int, Int)) -> [Double] {
        (0..<(target.0 * target.1)).map { p in
            let (y, x) = (p / target.1, p % target.1)
            return map[min(source.0 - 1, y * source.0 / target.0) * source.1 + min(source.1 - 1, x * source.1 / target.1)]
        }
    }
}
