import Foundation
import FunnelCharts

/// Pointwise activations and their derivatives, one panel each: the report's "Activation
/// shapes" figure and `funnel plot acts`.
public enum ActivationSheet {
    /// The sheet of `shapes`' curves.
    /// - Parameters:
    ///   - colors: each spec's colour, its derivative drawn lighter (a report's activation colours);
    ///     nil: one colour for every function and another for every derivative.
    ///   - title: a panel's title from its spec.
    ///   - panelSize: the size of one panel.
    public static func make(shapes: ActivationShapes, colors: [String: Color]? = nil, title: (String) -> String = { $0 },
                            panelSize: ChartSize = ChartSize(width: 250, height: 190)) -> PanelGrid {
        let function = Palette.okabeIto[0], derivative = Palette.okabeIto[1]
        let panels = shapes.curves.map { c in
            let (f, df) = colors.map { colors in
                let color = colors[c.spec] ?? function
                return (color, color.mixed(with: .white, fraction: 0.25))
            } ?? (function, derivative)
            return Plot(title: title(c.spec), x: Axis(domain: -4...4, tickCount: 4), y: Axis(domain: -1.5...4, tickCount: 4),
                        size: panelSize, legend: false, style: .compact, marks: ReferenceLine.zeroAxes + [
                            Line("f(x)", x: c.x, y: c.y, color: f),
                            Line("f\u{2032}(x)", x: c.x, y: c.dy, color: df, dash: .dashed),
                        ])
        }
        // With a colour per activation the legend explains the line styles only.
        let muted = Color(hex: "#595959")
        let (legendF, legendDF) = colors == nil ? (function, derivative) : (muted, muted)
        return PanelGrid(
            title: "Pointwise activations and their derivatives",
            subtitle: "x from \u{2212}4 to 4, y clipped to [\u{2212}1.5, 4]; derivatives from Funnel's autograd",
            panels: panels, columns: min(4, max(1, shapes.curves.count)),
            legend: [LegendEntry("activation f(x)", color: legendF, line: .solid), LegendEntry("derivative f\u{2032}(x)", color: legendDF, line: .dashed)])
    }

    /// The sheet's data: one row per sampled x of each activation.
    static func data(_ shapes: ActivationShapes) -> FigureData {
        FigureData(columns: ["act", "x", "f", "df"], rows: shapes.curves.flatMap { c in
            c.x.indices.map { [.text(c.spec), .number(c.x[$0]), .number(c.y[$0]), .number(c.dy[$0])] }
        })
    }
}
