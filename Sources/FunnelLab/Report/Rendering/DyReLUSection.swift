import Foundation
import FunnelCharts

extension ReportPageBuilder {
    /// Inside one trained DY-ReLU model: do its coefficients change between images?
    mutating func dyreluSection() {
        guard let inspected = analysis.dyrelu else { return }
        let inspection = inspected.value
        sections.append(HTMLReport.Section("Inside DY-ReLU", blocks: [
            .paragraph("DY-ReLU computes `max_k(a\u{1D4F}(x)\u{00B7}x + b\u{1D4F}(x))` with coefficients that a small network reads off the whole input. "
                + "If they barely change between images, every image's points fall on one curve and the layer is just a fixed piecewise-linear function. "
                + "From \(runText(inspected.run)), in inference mode."),
            .figure(figure("dyrelu dynamic", inspection.chart(), data: inspection.pointData(),
                            caption: "Output against input of one channel per block, for \(inspection.captions.count) test images (one colour each). Separate lines per colour mean the activation changes with the image.")),
            .table(inspection.table()),
            .paragraph(dynamicSummary(inspection)),
        ]))
    }

    func dynamicSummary(_ inspection: DyReLUInspection) -> String {
        let spreads = inspection.blocks.flatMap(\.slopeSpread)
        let widest = inspection.blocks.max { ($0.slopeRange.upperBound - $0.slopeRange.lowerBound) < ($1.slopeRange.upperBound - $1.slopeRange.lowerBound) }
        var text = String(format: "Over %d test images, a typical channel's slopes vary by a standard deviation of %.3f to %.3f between images, depending on the layer",
                          inspection.imageCount, spreads.min() ?? 0, spreads.max() ?? 0)
        if let widest {
            text += String(format: "; the most variable channel drawn (%@, channel %d) has a\u{00B9} from %.2f to %.2f", widest.path, widest.channel,
                           widest.slopeRange.lowerBound, widest.slopeRange.upperBound)
        }
        return text + ". Slopes start at 1 and 0 for every image, so these spreads are what training made dynamic."
    }
}

/// DY-ReLU's input-output points and coefficient spreads, drawn.
extension DyReLUInspection {
    /// One panel per block: output against input of one channel, a colour per image.
    public func chart(columns: Int = 4) -> PanelGrid {
        let panels = blocks.map { block in
            // One translucent cloud per image: where they pile up on one curve, the layer is static.
            let clouds = block.points.enumerated().map { i, points -> any Mark in
                Points(captions.indices.contains(i) ? captions[i] : "image \(i + 1)", x: points.map(\.x), y: points.map(\.y), color: Palette.color(i), radius: 1.5, opacity: 0.45)
            }
            let name = block.path == "act1" ? "stem" : Self.blockPrefix(block.path)
            return Plot(title: name + " (\(block.path.split(separator: ".").last ?? ""))",
                        subtitle: "channel \(block.channel): a\u{00B9} " + ReportFormat.minus(String(format: "%.2f", block.slopeRange.lowerBound))
                            + " to " + ReportFormat.minus(String(format: "%.2f", block.slopeRange.upperBound)),
                        x: Axis("input x", tickCount: 4, padding: 0.04), y: Axis("output y", tickCount: 4, padding: 0.04),
                        size: ChartSize(width: 250, height: 220), legend: false, style: .compact,
                        marks: ReferenceLine.zeroAxes + [ReferenceLine(.identity, color: Color(hex: "#9a9a9a"), dash: .dotted)] + clouds)
        }
        return PanelGrid(
            title: "Is DY-ReLU dynamic? Output against input, per block",
            subtitle: "one channel per block (the one whose slopes vary most); one colour per test image; dotted: y = x",
            panels: panels, columns: columns,
            legend: captions.indices.map { LegendEntry(captions[$0], color: Palette.color($0), marker: true) })
    }

    /// Per block: how much the coefficients move between images.
    public func table() -> HTMLTable {
        let pieces = blocks.first?.slopeSpread.count ?? 0
        var columns = [HTMLTable.Column("channels", format: .fixed(0))]
        for k in 0..<pieces { columns.append(HTMLTable.Column("sd a\(Self.superscript(k + 1))", format: .fixed(3))) }
        for k in 0..<pieces { columns.append(HTMLTable.Column("sd b\(Self.superscript(k + 1))", format: .fixed(3))) }
        columns.append(HTMLTable.Column("drawn channel: a\u{00B9} range", alignment: .right))
        let rows = blocks.map { block in
            HTMLTable.Row(block.path == "act1" ? "act1 (stem)" : block.path, [HTMLTable.Cell(Double(block.channels))]
                + block.slopeSpread.map { HTMLTable.Cell($0) } + block.interceptSpread.map { HTMLTable.Cell($0) }
                + [.text(ReportFormat.interval(block.slopeRange))])
        }
        return HTMLTable(
            caption: "How much DY-ReLU's coefficients change between images (\(imageCount) test images).",
            rowHeaderTitle: "Layer", columns: columns, rows: rows,
            footnote: "sd a\u{1D4F}, sd b\u{1D4F}: standard deviation over images of piece k's slope and intercept, median over the layer's channels. "
                + "At initialisation a\u{00B9} = 1 and a\u{00B2} = b\u{00B9} = b\u{00B2} = 0 for every image (a ReLU); zero spread would mean a static activation.")
    }

    private static func superscript(_ n: Int) -> String {
        let digits = ["\u{2070}", "\u{00B9}", "\u{00B2}", "\u{00B3}", "\u{2074}", "\u{2075}", "\u{2076}", "\u{2077}", "\u{2078}", "\u{2079}"]
        return String(n).compactMap { Int(String($0)).map { digits[$0] } }.joined()
    }

    /// The chart's data: a row per drawn point.
    func pointData() -> FigureData {
        FigureData(columns: ["layer", "channel", "image", "caption", "x", "y"], rows: blocks.flatMap { block in
            block.points.enumerated().flatMap { i, points in
                points.map { p -> [FigureData.Value] in
                    [.text(block.path), .integer(block.channel), .integer(i), .text(captions.indices.contains(i) ? captions[i] : ""), .number(p.x), .number(p.y)]
                }
            }
        })
    }
}
