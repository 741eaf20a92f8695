import Foundation

/// The runs' pointwise activations and their derivatives, one panel each, drawn in the colours
/// the activations have in every other figure of the report. Values come from Funnel's own
/// forward and backward passes (`ActivationSheet.curve`).
public enum ActivationShapes {
    /// - Parameters:
    ///   - specs: pointwise activation specs.
    ///   - colors: each spec's colour (others take the palette's first).
    public static func sheet(specs: [String], colors: [String: Color] = [:]) throws -> SmallMultiples {
        let muted = Color(hex: "#595959")
        let panels: [any Chart] = try specs.map { spec in
            let curve = try ActivationSheet.curve(spec)
            let color = colors[spec] ?? Palette.okabeIto[0]
            return LineChart(
                title: ReportNames.activation(spec),
                series: [LineSeries("f(x)", x: curve.x, y: curve.y, color: color),
                         LineSeries("f\u{2032}(x)", x: curve.x, y: curve.dy, color: color.mixed(with: .white, fraction: 0.25), dash: .dashed)],
                xAxis: ChartAxis(domain: -4...4, tickCount: 4), yAxis: ChartAxis(domain: -1.5...4, tickCount: 4),
                size: ChartSize(width: 225, height: 180), legend: .none, references: ReferenceLine.zeroAxes, style: .compact)
        }
        return SmallMultiples(
            title: "Pointwise activations and their derivatives",
            subtitle: "x from \u{2212}4 to 4, y clipped to [\u{2212}1.5, 4]; derivatives from Funnel's autograd",
            panels: panels, columns: min(4, max(1, specs.count)),
            legend: [LegendEntry("activation f(x)", color: muted),
                     LegendEntry("derivative f\u{2032}(x)", color: muted, symbol: .line(.dashed, marker: nil, band: false))])
    }
}
