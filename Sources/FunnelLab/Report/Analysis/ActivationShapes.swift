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

    /// An activation whose output at a pixel depends on more than that pixel's value (FReLU's
    /// window, DY-ReLU's pooled input): it has no curve of x alone.
    public struct NotPointwise: Error, CustomStringConvertible {
        public let spec: String
        public var description: String {
            "\(spec) is not pointwise: its output depends on more than the input value, so it has no single curve; pointwise activations: "
                + Activations.all.filter(\.isPointwise).map(\.name).joined(separator: ", ")
        }
    }

    /// `(x, f(x), f'(x))` on an even grid, computed with the activation's forward and backward.
    /// - Throws: `NotPointwise` for FReLU, DY-ReLU and the like: on a 1x1 map they would draw a
    ///   curve of their initial weights, not of the activation.
    public static func curve(_ spec: String, from low: Double = -4, to high: Double = 4, points: Int = 321) throws -> Curve {
        let factory = try Activations.factory(spec)  // an unknown name is that error, not this one
        guard ActivationKind.of(spec) == .pointwise else { throw NotPointwise(spec: spec) }
        let xs = (0..<points).map { low + (high - low) * Double($0) / Double(points - 1) }
        let layer = factory(channels: 1)
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
