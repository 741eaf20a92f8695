import Foundation
import FunnelCharts

extension ReportPageBuilder {
    /// A segmentation model's predicted masks beside the true ones.
    mutating func segmentationSection() {
        guard let inspected = analysis.segmentation else { return }
        let predictions = inspected.value
        let accuracies = predictions.images.compactMap(\.pixelAccuracy)
        var text = "Predicted masks of \(runText(inspected.run)) with \(ReportNames.activation(predictions.act)), on the first \(predictions.images.count) test images, in inference mode."
        if !accuracies.isEmpty {
            text += String(format: " On these images %.1f%% of the labelled pixels get their true class.", accuracies.reduce(0, +) / Double(accuracies.count) * 100)
        }
        text += predictions.testMeanIoU.map { String(format: " The run's test mIoU (last epoch, whole test split) is %.1f%%.", $0) }
            ?? " The run recorded no test mIoU."
        sections.append(HTMLReport.Section("Segmentation: predicted masks", blocks: [
            .paragraph(text),
            .figure(figure("segmentation masks", predictions.maskGrid(), data: predictions.maskData(),
                           caption: "Each column: a test image, its true mask and the predicted one (class 0 in grey, the other classes in the legend's colours), with the share of pixels predicted right.")),
        ]))
    }
}

/// A segmentation model's masks, drawn: each class one fixed colour.
extension SegmentationPredictions {
    /// Class 0 (the background of scenes).
    static let backgroundColor = Color(hex: "#c8c8c8")
    static let unlabelledColor = Color.white

    /// The colour of mask value `value`: grey for class 0, white for unlabelled, the palette's
    /// colours for classes 1 to 8, and the same lightened for classes 9 to 16 (then again).
    static func color(of value: UInt8) -> Color {
        if value == unlabelled { return unlabelledColor }
        guard value > 0 else { return backgroundColor }
        let k = Int(value) - 1, palette = Palette.okabeIto
        let base = palette[k % palette.count]
        return (k / palette.count) % 2 == 0 ? base : base.mixed(with: .white, fraction: 0.5)
    }

    /// A mask as RGB bytes.
    static func rgb(_ mask: [UInt8]) -> [UInt8] {
        mask.flatMap { let c = color(of: $0); return [c.red, c.green, c.blue] }
    }

    /// The name of mask value `value`.
    func name(of value: UInt8) -> String {
        value == Self.unlabelled ? "no label" : Int(value) < classes.count ? classes[Int(value)] : "class \(value)"
    }

    /// One column per image: the image, its true mask, the predicted mask (rows of at most
    /// `columns` images); a legend of the classes in any mask.
    public func maskGrid(columns: Int = 8) -> PanelGrid {
        let count = max(1, min(columns, images.count))
        var tiles: [ImageTile] = []
        for start in stride(from: 0, to: images.count, by: count) {
            let chunk = images[start..<min(start + count, images.count)]
            tiles += chunk.map { ImageTile(width: $0.picture.width, height: $0.picture.height, rgb: [UInt8]($0.picture.pixels), caption: "test image \($0.index)") }
            tiles += chunk.map { ImageTile(width: $0.picture.width, height: $0.picture.height, rgb: Self.rgb($0.truth), caption: "truth") }
            tiles += chunk.map { image in
                ImageTile(width: image.picture.width, height: image.picture.height, rgb: Self.rgb(image.predicted),
                          caption: image.pixelAccuracy.map { String(format: "predicted: %.1f%% right", $0 * 100) } ?? "predicted")
            }
        }
        let occurring = Set(images.flatMap { $0.truth + $0.predicted }).sorted()
        return PanelGrid(
            title: "Predicted masks beside the truth",
            subtitle: "top: test images; middle: true masks; bottom: predicted masks",
            panels: tiles, columns: count,
            legend: occurring.map { LegendEntry(name(of: $0), color: Self.color(of: $0), swatch: true) })
    }

    /// The grid's data: a row per image, its pixel accuracy and each class's pixels in the truth
    /// and in the prediction.
    func maskData() -> FigureData {
        let names = Array(classes.prefix(256))  // mask values are bytes
        let values = names.indices.map(UInt8.init)
        return FigureData(columns: ["image", "pixel_accuracy"] + names.map { "truth \($0)" } + names.map { "predicted \($0)" },
                          rows: images.map { image in
                              [.integer(image.index), .number(image.pixelAccuracy)]
                                  + values.map { v in .integer(image.truth.filter { $0 == v }.count) }
                                  + values.map { v in .integer(image.predicted.filter { $0 == v }.count) }
                          })
    }
}
