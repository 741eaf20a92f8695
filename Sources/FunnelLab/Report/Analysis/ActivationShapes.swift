import Foundation
import FunnelCharts
import FunnelNN

/// Pointwise activations and their derivatives on an even grid, from Funnel's own forward and
/// backward passes: exactly what training uses.
public struct ActivationShapes: Codable, Sendable {
    /// One activation's samples.
    public struct Curve: Codable, Sendable {
        public let spec: String
        public let x: [Double]
        /// f(x).
        public let y: [Double]
        /// f'(x), from autograd.
        public let dy: [Double]
    }

    /// In the order of the specs asked for.
    public let curves: [Curve]

    /// Samples `specs` at `points` positions from `low` to `high`.
    public init(specs: [String], from low: Double = -4, to high: Double = 4, points: Int = 321) throws {
        curves = try specs.map { try Self.curve($0, from: low, to: high, points: points) }
    }

    /// `(x, f(x), f'(x))` on an even grid, computed with the activation's forward and backward.
    public static func curve(_ spec: String, from low: Double = -4, to high: Double = 4, points: Int = 321) throws -> Curve {
        let xs = (0..<points).map { low + (high - low) * Double($0) / Double(points - 1) }
        let layer = try Activations.factory(spec)(channels: 1)
        layer.setMode(.inference)
        let x = Tensor(shape: [points, 1, 1, 1], scalars: xs.map(Float.init), requiresGrad: true)
        let y = layer(x)
        y.sum().backward()
        return Curve(spec: spec, x: xs, y: y.scalars.map(Double.init), dy: x.grad!.scalars.map(Double.init))
    }
}

extension ActivationSheet {
    /// `funnel plot acts`: samples `specs` (default: every pointwise registry entry), then draws
    /// them (``make(shapes:colors:title:panelSize:)``).
    public static func make(specs: [String]? = nil, colors: [String: Color]? = nil, title: (String) -> String = { $0 },
                            panelSize: ChartSize = ChartSize(width: 250, height: 190)) throws -> PanelGrid {
        let shapes = try ActivationShapes(specs: specs ?? Activations.all.filter(\.isPointwise).map(\.name))
        return make(shapes: shapes, colors: colors, title: title, panelSize: panelSize)
    }
}
