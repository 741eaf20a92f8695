import Foundation
import FunnelData
import FunnelTrain

extension StudyAnalysis {
    /// Computes the analysis of `data`: every statistic, curve and count, with the models
    /// restored, run, attacked and counted as the options ask. Inspections that fail (a missing
    /// checkpoint or dataset, a model the probes cannot walk) become omissions, not errors.
    /// - Parameter progress: told what is being computed (model loads, timings, counts).
    /// - Throws: `ReportError.noRuns` when `data` has no usable run, `ReportError.noSuchLayer`
    ///   when `options.freluLayer` names no FReLU layer of the inspected model.
    public init(data: ReportData, options: Options = Options(), progress: @escaping (String) -> Void = { _ in }) throws {
        guard !data.groups.isEmpty else {
            let left = data.excluded.isEmpty ? "" : " (\(data.excluded.count) left out: " + data.excluded.prefix(3).map { "\($0.run.spec.name) \($0.reason)" }.joined(separator: "; ") + ")"
            let unfinished = data.excluded.contains { $0.run.status == .running || $0.run.status == .interrupted }
            throw ReportError.noRuns("no finished runs with recorded epochs in \(data.source)" + (options.experiment.map { " for experiment '\($0)'" } ?? "") + left
                + (unfinished ? "; `--include-unfinished` reports on runs still training too" : ""))
        }
        var computation = Computation(data: data, options: options, progress: progress)
        // Section by section in page order, so that the omissions come in page order too.
        let results = data.studies.map { ResultsTable(data: data, study: $0, alpha: options.alpha) }
        let curves = data.studies.flatMap { study in data.models(in: study).map { LearningCurves(data: data, study: study, model: $0) } }
        let costs = computation.costs()
        let shapes = computation.shapes()
        let frelu = try computation.frelu()
        let dyrelu = computation.dyrelu()
        let segmentation = computation.segmentation()
        let robustness = computation.robustness()
        let complexity = computation.complexity()
        let kinds = Dictionary(uniqueKeysWithValues: data.acts.map { ($0, ActivationKind.of($0)) })

        let name = options.experiment ?? data.runDirectory?.standardizedFileURL.lastPathComponent
        // Whole seconds: the date in the JSON file (ISO 8601) is then exactly the one computed.
        let date = options.date.map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
        self.init(
            formatVersion: Self.formatVersion,
            header: Header(title: options.title ?? "Activation study" + (name.map { ": \($0)" } ?? ""), source: data.source,
                           experiment: options.experiment, command: options.command, date: date,
                           imagenetComplexity: options.imagenetComplexity),
            facts: RunFacts(runs: data.runs.count, seeds: Set(data.runs.map(\.run.spec.seed)).sorted(),
                            runsPerConfiguration: data.groups.map(\.runs.count)),
            studies: data.studies, acts: data.acts, kinds: kinds, baseline: data.baseline,
            excluded: data.excluded.map { ExcludedRun(name: $0.run.spec.name, id: $0.run.id, reason: $0.reason) },
            builds: TrainingBuild.of(data.runs),
            runsOfSeveralBuilds: data.runs.filter { $0.builds.count > 1 }.map(\.run.spec.name),
            omissions: computation.omissions,
            keyFacts: KeyFacts(results: results, costs: costs, baseline: data.baseline, kinds: kinds),
            results: results, curves: curves, costs: costs, shapes: shapes, frelu: frelu, dyrelu: dyrelu, segmentation: segmentation,
            robustness: robustness, complexity: complexity)
    }
}

/// The sections that restore, run, attack or count models, with the omissions they cause and the
/// data splits they share.
private struct Computation {
    let data: ReportData
    let options: StudyAnalysis.Options
    let progress: (String) -> Void
    var omissions: [String] = []
    /// Loaded splits by dataset spec and size options, shared by the inspections and attacks.
    var splits: [String: Splits] = [:]

    init(data: ReportData, options: StudyAnalysis.Options, progress: @escaping (String) -> Void) {
        self.data = data
        self.options = options
        self.progress = progress
    }

    mutating func costs() -> [CostAccuracy] {
        data.studies.compactMap { study in
            do {
                return try CostAccuracy(data: data, study: study, speed: options.speed, progress: progress)
            } catch {
                omissions.append("Cost against accuracy for \(study.title): \(error)")
                return nil
            }
        }
    }

    mutating func shapes() -> ActivationShapes? {
        var specs: [String] = []  // once each: `relu` and `relu@se` draw one curve
        for act in data.acts.map(ConfigurationKey.activation) where !specs.contains(act) { specs.append(act) }
        let pointwise = specs.filter { ActivationKind.of($0) == .pointwise }
        guard !pointwise.isEmpty else {
            let others = specs.map(ReportNames.activation)
            omissions.append("Activation shapes: none of the runs' activations is pointwise (\(ReportFormat.list(others))), so none has a single curve to draw.")
            return nil
        }
        do {
            return try ActivationShapes(specs: pointwise)
        } catch {
            omissions.append("Activation shapes: \(error)")
            return nil
        }
    }

    /// The first run of an activation kind that has a checkpoint.
    func inspectionRun(_ kind: ActivationKind) -> (InspectedRun, URL)? {
        firstCheckpointedRun { ActivationKind.of($0.act) == kind }.map { ($0.run, $0.url) }
    }

    /// The first run with a checkpoint among the groups that `include` accepts.
    func firstCheckpointedRun(in include: (ReportData.Group) -> Bool) -> (run: InspectedRun, url: URL, group: ReportData.Group, detail: RunDetail)? {
        for group in data.groups where include(group) {
            for detail in group.runs {
                if let url = data.checkpoint(of: detail.run) {
                    return (InspectedRun(name: detail.run.spec.name, model: group.model, study: group.study, seed: detail.run.spec.seed), url, group, detail)
                }
            }
        }
        return nil
    }

    mutating func sample(_ checkpoint: URL, count: Int) throws -> InspectionSample {
        try InspectionSample.load(checkpoint: checkpoint, data: options.data, count: count) { try loadData($0) }
    }

    /// The splits `config` trains on, loaded once per dataset spec and size options for the whole
    /// analysis (inspections and attacks restore several models of one data set).
    mutating func loadData(_ config: TrainConfig) throws -> Splits {
        let key = [config.data, "\(config.trainLimit ?? -1)", "\(config.testLimit ?? -1)", "\(config.seed)",
                   "\(config.syntheticTrain)", "\(config.syntheticTest)", "\(config.coarseLabels)"].joined(separator: "|")
        if let hit = splits[key] { return hit }
        progress("loading \(config.data)")
        let loaded = try Trainer.loadData(config)
        splits[key] = loaded
        return loaded
    }

    mutating func frelu() throws -> Inspected<FReLUInspection>? {
        guard data.acts.contains(where: { ActivationKind.of($0) == .frelu }) else {
            omissions.append("Inside FReLU: no FReLU run among these runs.")
            return nil
        }
        guard let (run, url) = inspectionRun(.frelu) else {
            omissions.append("Inside FReLU: no FReLU run has a checkpoint file (looked for `<run>/checkpoint.safetensors` under \(data.runDirectory?.path ?? "the run directory")).")
            return nil
        }
        progress("FReLU: \(run.name)")
        var kernels: FReLUKernels?
        var kernelsError: String?
        do {
            kernels = try FReLUKernels(file: SafetensorsFile(contentsOf: url))
        } catch {
            kernelsError = "\(error)"
        }
        var condition: FReLUCondition?
        do {
            condition = try FReLUCondition(sample: sample(url, count: options.sampleImages), layer: options.freluLayer)
        } catch let ReportError.noSuchLayer(why) {
            throw ReportError.noSuchLayer(why)  // the user's typo: an error, not a section left out
        } catch {
            omissions.append("Inside FReLU, where the condition is taken: \(error)")
        }
        return Inspected(run: run, value: FReLUInspection(kernels: kernels, kernelsError: kernelsError, condition: condition))
    }

    mutating func dyrelu() -> Inspected<DyReLUInspection>? {
        guard data.acts.contains(where: { ActivationKind.of($0) == .dyrelu }) else {
            omissions.append("Inside DY-ReLU: no DY-ReLU run among these runs.")
            return nil
        }
        guard let (run, url) = inspectionRun(.dyrelu) else {
            omissions.append("Inside DY-ReLU: no DY-ReLU run has a checkpoint file.")
            return nil
        }
        progress("DY-ReLU: \(run.name)")
        do {
            return Inspected(run: run, value: try DyReLUInspection(sample: sample(url, count: options.dynamicImages)))
        } catch {
            omissions.append("Inside DY-ReLU: \(error)")
            return nil
        }
    }

    /// The first segmentation run with a checkpoint, on the first test images of its own data
    /// (`--data` replaces a classifier's images, not a segmentation run's scenes and masks).
    /// Nothing, and no omission, when no run segments.
    mutating func segmentation() -> Inspected<SegmentationPredictions>? {
        let segments: (ReportData.Group) -> Bool = { $0.config?.task == .segment }
        guard data.groups.contains(where: segments) else { return nil }
        guard let (run, url, group, detail) = firstCheckpointedRun(in: segments) else {
            omissions.append("Segmentation: no segmentation run has a checkpoint file (looked for `<run>/checkpoint.safetensors` under \(data.runDirectory?.path ?? "the run directory")).")
            return nil
        }
        progress("segmentation: \(run.name)")
        do {
            let predictions = try SegmentationPredictions(
                checkpoint: url, act: group.activationSpec, testMeanIoU: RunMetric(.final, "test_miou").value(over: detail.epochs),
                count: options.segmentationImages) { try loadData($0) }
            return Inspected(run: run, value: predictions)
        } catch {
            omissions.append("Segmentation, predicted masks of `\(run.name)`: \(error)")
            return nil
        }
    }

    mutating func robustness() -> RobustnessTable? {
        guard options.attackImages > 0 else { return nil }  // opt-in: attacks cost a forward and backward per step
        do {
            let table = try RobustnessTable(data: data, images: options.attackImages, dataset: options.data, loadData: { try loadData($0) }, progress: progress)
            guard !table.rows.isEmpty else {
                omissions.append("Robustness: no run has a checkpoint to attack.")
                return nil
            }
            return table
        } catch {
            omissions.append("Robustness: \(error)")
            return nil
        }
    }

    mutating func complexity() -> ComplexityTable? {
        guard options.imagenetComplexity else {
            omissions.append("ImageNet models' parameters and FLOPs: not counted (turned off).")
            return nil
        }
        do {
            return try ComplexityTable.measure(progress: progress)
        } catch {
            omissions.append("ImageNet models' parameters and FLOPs: \(error)")
            return nil
        }
    }
}
