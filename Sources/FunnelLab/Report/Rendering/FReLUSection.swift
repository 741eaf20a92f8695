import Foundation
import FunnelCharts

extension ReportPageBuilder {
    /// Inside one trained FReLU model: its learned funnel kernels and where its condition is taken.
    mutating func freluSection() {
        guard let inspected = analysis.frelu else { return }
        let frelu = inspected.value
        var blocks: [HTMLReport.Block] = [
            .paragraph("FReLU is `max(x, T(x))` with the funnel condition `T(x) = BN(DWConv(x))`: each channel looks at its 3\u{00D7}3 neighbourhood. "
                + "What follows comes from \(runText(inspected.run))."),
        ]
        if let kernels = frelu.kernels {
            if kernels.layers.isEmpty {
                blocks.append(.paragraph("Its checkpoint has no `conv_frelu` weights (a FReLU variant without a learned depthwise kernel), so there are no kernels to draw."))
            } else {
                let folded = kernels.layers.allSatisfy(\.foldedNorm)
                blocks.append(.heading("Learned funnel kernels"))
                blocks.append(.figure(figure("frelu mean kernels", kernels.meanKernelGrid(), data: kernels.meanKernelData(),
                    caption: "The mean 3\u{00D7}3 kernel of each of the \(kernels.layers.count) FReLU layers"
                        + (folded ? ", with the condition's batch norm folded in (the kernel T(x) actually applies, up to a shift)." : ".")
                        + " Weight in the centre means the condition mostly rescales x itself; weight off the centre means it draws on the neighbours.")))
                blocks.append(.figure(figure("frelu channel kernels", kernels.channelGrid(), data: kernels.channelData(),
                    caption: "Single channels: the largest kernels of the first, a middle and the last FReLU layer, each scaled to its largest weight.")))
            }
        } else {
            blocks.append(.paragraph("The kernels could not be read: \(frelu.kernelsError ?? "no reason recorded")."))
        }
        if let condition = frelu.condition {
            blocks.append(.heading("Where the condition is taken"))
            let shares = condition.shares.map(\.share)
            let overall = shares.reduce(0, +) / Double(max(1, shares.count))
            blocks.append(.paragraph(String(format: "Where T(x) > x, FReLU outputs the condition instead of x. Over these %d test images, that happens at %.0f%% of positions on average over layers (from %.0f%% to %.0f%%).",
                                            condition.pictures.count, overall * 100, (shares.min() ?? 0) * 100, (shares.max() ?? 0) * 100)))
            blocks.append(.figure(figure("frelu condition share", condition.shareChart(), data: condition.shareData(),
                caption: "Share of positions where FReLU outputs T(x) rather than x, per layer, in inference mode.")))
            blocks.append(.figure(figure("frelu condition overlay", condition.overlays(), data: condition.pixelData(),
                caption: "Test images, and below each the pixels where most channels of `\(condition.layer)` take the condition (orange).")))
            blocks.append(.figure(figure("frelu condition fraction", condition.fractionTiles(), data: condition.fractionData(),
                caption: "The same, as the share of channels that take the condition at each pixel of `\(condition.layer)`.")))
        }
        sections.append(HTMLReport.Section("Inside FReLU", blocks: blocks))
    }
}
