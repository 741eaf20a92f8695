import Foundation
import FunnelCharts

extension ReportPageBuilder {
    /// Adversarial accuracy per activation, when attacks were asked for.
    mutating func robustnessSection() {
        guard let table = analysis.robustness else { return }
        sections.append(HTMLReport.Section("Robustness", blocks: [
            .paragraph("The review suggests that a non-smooth activation such as FReLU may be less robust to adversarial examples than smooth ones. "
                + "Each activation's model is attacked on the same test images with the same budget."),
            .table(table.table()),
        ]))
    }
}

extension RobustnessTable {
    /// The table for the page.
    public func table() -> HTMLTable {
        HTMLTable(
            caption: String(format: "Top-1 accuracy (%%) under L\u{221E} attacks of radius %.4f (%d/255) on the first test images.", eps, Int((eps * 255).rounded())),
            rowHeaderTitle: "Activation",
            columns: [.init("model", alignment: .left), .init("images", format: .fixed(0)), .init("clean", best: .highest),
                      .init("FGSM", best: .highest), .init("PGD-\(rows.first.map { $0.pgd.method.dropFirst(4) } ?? "")", best: .highest)],
            rows: rows.map { r in
                HTMLTable.Row(ReportNames.activation(r.act), [.init(nil, text: ReportNames.model(r.model)), .init(Double(r.fgsm.images)),
                                                              .init(r.fgsm.cleanTop1 * 100), .init(r.fgsm.adversarialTop1 * 100),
                                                              .init(r.pgd.adversarialTop1 * 100)])
            },
            footnote: "One seed per activation (the first run with a checkpoint); FGSM is one signed gradient step, PGD starts at a random point of the ball and takes signed steps of 2.5·eps/steps, projected back each time.")
    }
}
