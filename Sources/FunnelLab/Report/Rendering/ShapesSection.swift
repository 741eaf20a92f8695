import Foundation
import FunnelCharts

extension ReportPageBuilder {
    /// The pointwise activations' curves; the others named as having none.
    mutating func shapesSection() {
        guard let shapes = analysis.shapes else { return }
        let others = analysis.acts.filter { analysis.kinds[$0] != .pointwise }.map(ReportNames.activation)
        // In the activations' report colours, named as elsewhere in the report.
        let sheet = ActivationSheet.make(shapes: shapes, colors: colors, title: ReportNames.activation, panelSize: ChartSize(width: 225, height: 180))
        var blocks: [HTMLReport.Block] = [
            .figure(figure("activation shapes", sheet, data: ActivationSheet.data(shapes),
                           caption: "The pointwise activations of these runs, with their derivatives, from Funnel's own forward and backward passes.")),
        ]
        if !others.isEmpty {
            blocks.append(.paragraph("\(ReportFormat.list(others)) \(others.count == 1 ? "is" : "are") not pointwise: the output at a position depends on its neighbours (FReLU) or on the whole input (DY-ReLU), so there is no single curve; the sections below look inside trained models instead."))
        }
        sections.append(HTMLReport.Section("Activation shapes", blocks: blocks))
    }
}
