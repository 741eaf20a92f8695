import Foundation
import Testing
import FunnelCharts
import FunnelTrain
@testable import FunnelLab

/// The report's "Segmentation: predicted masks" section, over a tiny segmentation run trained on
/// scenes of the built-in synthetic images.
@Suite(.serialized) struct ReportSegmentationTests {
    static func options() -> StudyAnalysis.Options {
        var options = StudyAnalysis.Options()
        options.imagenetComplexity = false
        options.segmentationImages = 3
        options.date = nil
        return options
    }

    @Test func theReportPutsPredictedMasksBesideTheTruth() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = TrainConfig()
        c.task = .segment; c.model = "pixel_mlp"; c.act = "relu"; c.data = "scenes:synthetic"; c.epochs = 1; c.batchSize = 8
        c.syntheticTrain = 8; c.syntheticTest = 4
        let trainer = try Trainer(config: c, runDirectory: dir)
        _ = try trainer.run()
        let analysis = try StudyAnalysis(data: try ReportData.load(runDirectory: dir), options: Self.options())

        let inspected = try #require(analysis.segmentation)
        let predictions = inspected.value
        #expect(inspected.run.name == "pixel_mlp-relu-s0" && predictions.act == "relu")
        #expect(predictions.testMeanIoU != nil)
        #expect(!analysis.omissions.contains { $0.hasPrefix("Segmentation") })
        // The masks are those of the checkpoint's predictions.
        let samples = try SegmentationSample.predictions(checkpoint: try #require(trainer.checkpointURL), count: 3)
        #expect(predictions.classes == samples[0].classes)
        #expect(predictions.images.map(\.index) == samples.map(\.index))
        #expect(predictions.images.map(\.truth) == samples.map(\.truth))
        #expect(predictions.images.map(\.predicted) == samples.map(\.predicted))
        #expect(predictions.images.map { [UInt8]($0.picture.pixels) } == samples.map(\.image.pixels))
        for (image, sample) in zip(predictions.images, samples) {
            let right = zip(sample.truth, sample.predicted).filter { $0 == $1 }.count
            #expect(image.pixelAccuracy == Double(right) / Double(sample.truth.count))
        }

        let report = StudyReport(analysis: analysis)
        #expect(report.page.sections.map(\.title).contains("Segmentation: predicted masks"))
        let figure = try #require(report.figures.first { $0.name.hasSuffix("segmentation-masks") })
        let grid = try #require(figure.chart as? PanelGrid)
        let tiles = grid.panels.compactMap { $0 as? ImageTile }
        #expect(tiles.count == 9 && grid.panels.count == 9 && grid.columns == 3)
        #expect(tiles[3].rgb == SegmentationPredictions.rgb(samples[0].truth) && tiles[6].rgb == SegmentationPredictions.rgb(samples[0].predicted))
        #expect(SegmentationPredictions.color(of: 0) == SegmentationPredictions.backgroundColor)
        #expect(figure.data.rows.count == 3 && figure.data.columns.count == 2 + 2 * predictions.classes.count)

        // The page is the same when drawn from the analysis's JSON, and older files without the
        // section still read.
        let json = try analysis.json()
        let decoded = try StudyAnalysis(json: json, file: "report-analysis.json")
        #expect(try decoded.json() == json)
        #expect(StudyReport(analysis: decoded).page.html() == report.page.html())
        var old = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        old["segmentation"] = nil
        #expect(try StudyAnalysis(json: JSONSerialization.data(withJSONObject: old), file: "old.json").segmentation == nil)

        // A mask of the wrong size is refused, naming the field.
        var bad = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        var segmentation = try #require(bad["segmentation"] as? [String: Any])
        var value = try #require(segmentation["value"] as? [String: Any])
        var images = try #require(value["images"] as? [[String: Any]])
        images[0]["predicted"] = Data([0, 1]).base64EncodedString()
        value["images"] = images
        segmentation["value"] = value
        bad["segmentation"] = segmentation
        #expect(throws: AnalysisFileError(file: "bad.json", field: "segmentation.value.images[0]",
                                          problem: "expected 4096 truth and predicted mask values (64\u{00D7}64), found 4096 and 2")) {
            try StudyAnalysis(json: JSONSerialization.data(withJSONObject: bad), file: "bad.json")
        }
    }

    @Test func aSegmentationRunWithoutCheckpointIsAnOmission() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ReportFixture.store([ReportFixture.Run(act: "relu", seed: 0, top1: [60], loss: [1], model: "pixel_mlp")], in: dir) { run in
            var c = ReportFixture.defaultConfig(run)
            c.task = .segment
            c.data = "scenes:synthetic"
            return c
        }
        let analysis = try StudyAnalysis(data: try ReportData.load(runDirectory: dir), options: Self.options())
        #expect(analysis.segmentation == nil)
        #expect(analysis.omissions.contains { $0.hasPrefix("Segmentation: no segmentation run has a checkpoint file") })
        #expect(!StudyReport(analysis: analysis).page.sections.map(\.title).contains("Segmentation: predicted masks"))
    }
}
