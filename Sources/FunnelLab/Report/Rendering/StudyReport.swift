import Foundation
import FunnelCharts

/// The page `funnel report` writes: one self-contained HTML file (inline SVG, embedded CSS, no
/// scripts or external resources) about a set of runs, and every figure as its own SVG file with
/// its data as CSV.
///
/// It is drawn from a ``StudyAnalysis`` alone: nothing here loads data, restores or runs a model,
/// or counts. Sections, each left out with a sentence saying why when the analysis has no data
/// for it: results in the paper's form with significance, learning curves, cost against
/// accuracy, the pointwise activations' shapes, inside FReLU (learned funnel kernels, where the
/// condition is taken), inside DY-ReLU (is it dynamic?), a segmentation model's predicted masks
/// beside the truth, robustness, and the paper's ImageNet
/// models' parameters and FLOPs.
public struct StudyReport {
    /// A figure of the page; also written as `<name>.svg`, and its data as `<name>.csv`.
    public struct NamedFigure: Sendable {
        public let name: String
        public let chart: any Chart
        /// What the figure plots.
        public let data: FigureData
    }

    /// The page.
    public let page: HTMLReport
    /// Every figure of the page, in page order.
    public let figures: [NamedFigure]
    /// Sentences saying which sections were left out and why.
    public var omissions: [String] { analysis.omissions }
    /// What the page shows.
    public let analysis: StudyAnalysis

    /// Draws the page of `analysis`.
    /// - Parameters:
    ///   - figuresFolderName: the folder the figures are written to, for the footer.
    ///   - analysisFileName: the file the analysis is written to, for the footer.
    public init(analysis: StudyAnalysis, figuresFolderName: String? = nil, analysisFileName: String? = nil) {
        var builder = ReportPageBuilder(analysis: analysis)
        builder.build()
        self.analysis = analysis
        figures = builder.figures
        page = builder.page(figuresFolderName: figuresFolderName, analysisFileName: analysisFileName)
    }

    /// `report.html` -> `report-figures` beside it.
    public static func figuresDirectory(for page: URL) -> URL {
        page.deletingPathExtension().deletingLastPathComponent()
            .appendingPathComponent(page.deletingPathExtension().lastPathComponent + "-figures")
    }

    /// Writes the page to `url`, and each figure as `<figures directory>/<name>.svg` with its
    /// data in `<name>.csv`.
    /// - Returns: the files written, the page first, then each figure's SVG and CSV.
    @discardableResult
    public func write(to url: URL, figuresDirectory: URL? = nil) throws -> [URL] {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try page.write(to: url)
        var written = [url]
        guard !figures.isEmpty else { return written }
        let directory = figuresDirectory ?? Self.figuresDirectory(for: url)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for figure in figures {
            let svg = directory.appendingPathComponent(figure.name + ".svg")
            try figure.chart.write(to: svg)
            let csv = directory.appendingPathComponent(figure.name + ".csv")
            try Data(figure.data.csv().utf8).write(to: csv, options: .atomic)
            written += [svg, csv]
        }
        return written
    }
}
