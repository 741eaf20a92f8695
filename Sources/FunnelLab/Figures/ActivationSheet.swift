import Foundation
import FunnelCharts
import FunnelNN

/// `funnel plot acts`: every pointwise activation of the registry and its derivative, one panel
/// each. Values and derivatives come from Funnel's own ops and autograd, so the sheet shows
/// exactly what training uses.
public enum ActivationSheet {
    /// `(x, f(x), f'(x))` on an even grid, computed with the activation's forward and backward.
    public static func curve(_ spec: String, from low: Double = -4, to high: Double = 4, points: Int = 321) throws -> (x: [Double], y: [Double], dy: [Double]) {
        let xs = (0..<points).map { low + (high - low) * Double($0) / Double(points - 1) }
        let layer = try Activations.factory(spec)(channels: 1)
        layer.setMode(.inference)
        let x = Tensor(shape: [points, 1, 1, 1], scalars: xs.map(Float.init), requiresGrad: true)
        let y = layer(x)
        y.sum().backward()
        return (xs, y.scalars.map(Double.init), x.grad!.scalars.map(Double.init))
    }

    /// The sheet for `specs` (default: every pointwise registry entry).
    /// - Parameters:
    ///   - colors: each spec's colour, its derivative drawn lighter (a report's activation colours);
    ///     nil: one colour for every function and another for every derivative.
    ///   - title: a panel's title from its spec.
    ///   - panelSize: the size of one panel.
    public static func make(specs: [String]? = nil, colors: [String: Color]? = nil, title: (String) -> String = { $0 },
                            panelSize: ChartSize = ChartSize(width: 250, height: 190)) throws -> SmallMultiples {
        let names = specs ?? Activations.all.filter(\.isPointwise).map(\.name)
        let function = Palette.okabeIto[0], derivative = Palette.okabeIto[1]
        let panels: [any Chart] = try names.map { spec in
            let c = try curve(spec)
            let (f, df) = colors.map { colors in
                let color = colors[spec] ?? function
                return (color, color.mixed(with: .white, fraction: 0.25))
            } ?? (function, derivative)
            return LineChart(
                title: title(spec),
                series: [LineSeries("f(x)", x: c.x, y: c.y, color: f),
                         LineSeries("f\u{2032}(x)", x: c.x, y: c.dy, color: df, dash: .dashed)],
                xAxis: ChartAxis(domain: -4...4, tickCount: 4), yAxis: ChartAxis(domain: -1.5...4, tickCount: 4),
                size: panelSize, legend: .none, references: ReferenceLine.zeroAxes, style: .compact)
        }
        // With a colour per activation the legend explains the line styles only.
        let muted = Color(hex: "#595959")
        let (legendF, legendDF) = colors == nil ? (function, derivative) : (muted, muted)
        return SmallMultiples(
            title: "Pointwise activations and their derivatives",
            subtitle: "x from \u{2212}4 to 4, y clipped to [\u{2212}1.5, 4]; derivatives from Funnel's autograd",
            panels: panels, columns: min(4, max(1, names.count)),
            legend: [LegendEntry("activation f(x)", color: legendF),
                     LegendEntry("derivative f\u{2032}(x)", color: legendDF, symbol: .line(.dashed, marker: nil, band: false))])
    }
}
