import Foundation
import Testing
import FunnelLab
import FunnelModels
import FunnelNN
import FunnelTestSupport
import FunnelTrain

/// What `funnel` prints, exactly: the listings are the registries line for line, and the main
/// errors are one line that names what was wrong and what would have been right.
@Suite struct CLIOutputTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-cli-\(UUID().uuidString.prefix(8))")

    /// Runs `funnel arguments` and returns its exit status and its output (standard output and
    /// error together) as lines, without the last newline.
    func funnel(_ arguments: [String]) throws -> (status: Int32, lines: [String]) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (status, output) = try FunnelProcess(arguments, logDirectory: directory).wait()
        var lines = output.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return (status, lines)
    }

    @Test func actsPrintsEveryRegisteredActivation() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        var expected: [String] = []
        for entry in Activations.all {
            expected.append(([entry.name] + entry.aliases).joined(separator: ", "))
            expected.append("    \(entry.summary)")
            expected.append("    extra parameters per layer (C channels): \(entry.parametersPerLayer)")
            for option in entry.options { expected.append("    :\(option.name)=\(option.values)  \(option.summary)") }
        }
        expected += ["", "Spec syntax: name[:option=value,...], e.g. frelu:k=5,norm=gn  dyrelu:variant=b,k=2,r=4  leaky_relu:a=0.1"]
        let (status, lines) = try funnel(["acts"])
        #expect(status == 0)
        #expect(lines == expected)
    }

    @Test func modelsPrintsEveryRegisteredModel() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let expected = Models.all.map { m in
            m.name + String(repeating: " ", count: max(0, 20 - m.name.count)) + " input \(m.input)  \(m.summary)"
        }
        let (status, lines) = try funnel(["models"])
        #expect(status == 0)
        #expect(lines == expected)
    }

    @Test func anUnknownActivationListsTheRegisteredNames() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let names = Activations.all.flatMap { [$0.name] + $0.aliases }.joined(separator: ", ")
        let (status, lines) = try funnel(["flops", "--model", "resnet20", "--act", "nope"])
        #expect(status == 1)
        #expect(lines == ["Error: unknown activation 'nope'; valid names: \(names)"])
    }

    @Test func anUnknownModelListsTheRegisteredModels() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let names = Models.all.map(\.name).joined(separator: ", ")
        let (status, lines) = try funnel(["flops", "--model", "nope"])
        #expect(status == 1)
        #expect(lines == ["Error: unknown model 'nope'; valid models: \(names)"])
    }

    @Test func anUnknownOptionIsAUsageError() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (status, lines) = try funnel(["models", "--bogus"])
        #expect(status == 64)
        #expect(lines == ["Error: Unknown option '--bogus'", "Usage: funnel models", "  See 'funnel models --help' for more information."])
    }

    /// A value a command's options reject: exit 64, the error first, the command's help pointed to last.
    @Test(arguments: [
        (["runs", "list", "--store", "mysql://db/runs"], "Error: store 'mysql://db/runs': expected sqlite:PATH or postgres://user@host:port/database"),
        (["bench", "ops", "--repeats", "0"], "Error: --repeats must be at least 1, found 0"),
        // Counts of 0 used to run empty loops and print figures of nothing (`attack --limit 0`:
        // "on 0 images: clean top-1 0.00%") or crash a child (`bench train --steps 0`).
        (["attack", "--checkpoint", "c.safetensors", "--limit", "0"], "Error: --limit must be at least 1, found 0"),
        (["bench", "train", "--steps", "0"], "Error: --steps must be at least 1, found 0"),
        (["bench", "train", "--rounds", "0"], "Error: --rounds must be at least 1, found 0"),
        (["bench", "train", "--batch-size", "1"], "Error: --batch-size must be at least 2 (batch norm needs two samples), found 1"),
        (["bench", "acts", "--repeats", "0"], "Error: --repeats must be at least 1, found 0"),
        (["bench", "infer", "--throughput-runs", "0"], "Error: --throughput-runs must be at least 1, found 0"),
        (["bench", "store", "--workers", "4,0"], "Error: --workers must be at least 1, found 0"),
        (["flops", "--model", "resnet20", "--classes", "0"], "Error: --classes must be at least 1, found 0"),
        (["experiment", "run", "--jobs", "0"], "Error: --jobs must be at least 1, found 0"),
        (["experiment", "work", "--max-cells", "0"], "Error: --max-cells must be at least 1, found 0"),
        (["experiment", "status", "--interval", "0"], "Error: --interval must be a positive number of seconds, found 0.0"),
        (["sweep", "run", "--preset", "study-sweep", "--count", "0"], "Error: --count must be at least 1, found 0"),
        (["compare", "--seeds=0,-1"], "Error: --seeds '0,-1': expected comma-separated integers of at least 0, e.g. 0,1,2"),
        (["bench", "train", "--act", "relu,frelu,relu"], "Error: --act: 'relu' is listed twice"),
        (["bench", "infer", "--model", "resnet20,resnet20"], "Error: --model: 'resnet20' is listed twice"),
        (["bench", "acts", "--acts", "frelu:k=5;frelu:k=5"], "Error: --acts: 'frelu:k=5' is listed twice"),
        (["bench", "ops", "--models", "resnet18,resnet18"], "Error: --models: 'resnet18' is listed twice"),
        // A name that does not resolve fails before anything is measured, not after the rows before it.
        (["bench", "train", "--act", "relu,frleu"], "Error: --act: " + registryError { _ = try Activations.factory("frleu") }),
        (["bench", "train", "--model", "resnet20,pixel_mlp"],
         "Error: --model: model 'pixel_mlp' cannot classify; models that can: " + Models.names(for: .classify).joined(separator: ", ")),
        (["bench", "infer", "--model", "resnet21"], "Error: --model: " + registryError { _ = try Models.entry("resnet21") }),
        (["bench", "acts", "--acts", "relu;frelu:bogus=1"], "Error: --acts: activation 'frelu' has no option 'bogus'; valid options: k, window, cond, combine, norm, groups, fused"),
        (["report", "--run-dir", "r", "--attack-images=-1"], "Error: --attack-images must be at least 0 (0: off), found -1"),
        (["bench", "slurm", "--run-dir", "r", "--images", "100"], "Error: --images must be at least 128 (an epoch needs a batch of 128), found 100"),
        (["train", "--threads", "0"], "Error: --threads must be at least 1 (leave it out for all cores), found 0"),
    ])
    func aBadValueIsAUsageErrorOfTheCommand(arguments: [String], error: String) throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (status, lines) = try funnel(arguments)
        let command = arguments.prefix { !$0.hasPrefix("-") }.joined(separator: " ")
        #expect(status == 64)
        #expect(lines.first == error)
        #expect(lines.last == "  See 'funnel \(command) --help' for more information.")
    }

    /// Every command that reads a checkpoint names the option when the file is not there (and
    /// `export` its other bad options before any work).
    @Test func aMissingCheckpointIsNamed() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.safetensors").path
        let out = directory.appendingPathComponent("m.onnx").path
        for (command, rest) in [(["eval"], []), (["predict"], ["image.png"]), (["attack"], []), (["export"], ["--out", out])] {
            let (status, lines) = try funnel(command + ["--checkpoint", missing] + rest)
            #expect(status == 64, "\(command)")
            #expect(lines.first == "Error: --checkpoint \(missing): no such file", "\(command)")
            #expect(lines.last == "  See 'funnel \(command[0]) --help' for more information.", "\(command)")
        }
        let opset = try funnel(["export", "--checkpoint", missing, "--out", out, "--opset", "9"])
        #expect(opset.status == 64 && opset.lines.first?.hasPrefix("Error: --opset 9: supported opsets are ") == true)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// `train --resume` of a run never started (here a mistyped seed) is an error naming the
    /// started run closest to it, not a new run from epoch 1; in a run directory without a store,
    /// an error naming the store it looked for. `--start-or-resume` starts or continues it.
    @Test func aResumeOfARunNeverStartedNamesTheCloseOne() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let runDir = directory.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: runDir.appendingPathComponent("resnet20-relu-s0"), withIntermediateDirectories: true)
        _ = try RunStore(directory: runDir)
        let (status, lines) = try funnel(["train", "--model", "resnet20", "--data", "synthetic", "--seed", "1", "--resume",
                                          "--run-dir", runDir.path])
        #expect(status == 1)
        #expect(lines == ["Error: nothing to resume: run 'resnet20-relu-s1' was never started here (no folder "
                          + "\(runDir.appendingPathComponent("resnet20-relu-s1").path) and no run of that name in the store); "
                          + "did you mean 'resnet20-relu-s0'? Leave out --resume to start it"])
        #expect(!FileManager.default.fileExists(atPath: runDir.appendingPathComponent("resnet20-relu-s1").path))
        // A mistyped run directory holds no store: said so, and nothing is made there.
        let typo = directory.appendingPathComponent("rnus")
        let misplaced = try funnel(["train", "--model", "resnet20", "--data", "synthetic", "--resume", "--run-dir", typo.path])
        #expect(misplaced.status == 1)
        #expect(misplaced.lines == ["Error: no run store at \(typo.appendingPathComponent("runs.sqlite").path): nothing was recorded with "
                                    + "--run-dir \(typo.path); give the run directory that holds runs.sqlite with --run-dir, or the store with --store"])
        #expect(!FileManager.default.fileExists(atPath: typo.path))
        // A requeued job script's idiom: start the run the first time, continue it after.
        let requeued = ["train", "--model", "resnet20", "--data", "synthetic", "--synthetic-train", "16", "--synthetic-test", "8",
                        "--batch-size", "8", "--epochs", "1", "--threads", "1", "--start-or-resume", "--run-dir", typo.path]
        let first = try funnel(requeued), again = try funnel(requeued)
        #expect(first.status == 0 && again.status == 0, "\(first.lines)\n\(again.lines)")
        let runs = try RunStore(directory: typo).runs()
        #expect(runs.count == 1 && runs[0].status == .finished && runs[0].summary.epochs == 1, "\(runs)")
        let both = try funnel(["train", "--resume", "--start-or-resume"])
        #expect(both.status == 64 && both.lines.first == "Error: --resume and --start-or-resume: give one (--resume refuses a run never started)")
    }

    /// `funnel --version`, every run's record and its checkpoints name the commit of the Funnel sources built (and
    /// whether they differed from it), run from any folder: they used to record the commit of
    /// whatever repository the working directory was in.
    @Test func theVersionAndRunsNameTheCommitBuilt() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = URL(fileURLWithPath: funnelExecutable).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        func git(_ arguments: String...) throws -> String {
            let process = Process(), out = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", root.path] + arguments
            process.standardOutput = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            try #require(process.terminationStatus == 0, "git \(arguments)")
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let head = try git("rev-parse", "HEAD")
        let edited = try !git("status", "--porcelain", "--", "Sources", "Package.swift").isEmpty
        let elsewhere = directory.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let (status, output) = try FunnelProcess(["--version"], workingDirectory: elsewhere, logDirectory: directory).wait()
        #expect(status == 0)
        #expect(output == "funnel, built from commit \(head.prefix(12))\(edited ? "-dirty" : "")\n", "\(output)")

        var config = TrainConfig()
        config.model = "resnet20"; config.data = "synthetic"; config.syntheticTrain = 16; config.syntheticTest = 8; config.batchSize = 8
        let trainer = try Trainer(config: config, runDirectory: elsewhere)
        try trainer.run(stopAfter: 0)
        #expect(try trainer.store?.runs().first?.spec.gitCommit == FunnelBuild.sourceCommit)
        config.epochs = 1
        try Trainer(config: config, runDirectory: elsewhere, runName: "one-epoch").run()
        let checkpoint = try SafetensorsFile(contentsOf: elsewhere.appendingPathComponent("one-epoch/checkpoint.safetensors"))
        #expect(checkpoint.metadata["funnel.commit"] == FunnelBuild.sourceCommit)
        #expect(FunnelBuild.sourceCommit?.hasPrefix(String(head.prefix(12))) == true)

        // Each epoch records the build that trained it; a run whose epochs name another build (resumed
        // by it) says so in `runs show`.
        let store = try RunStore(directory: elsewhere)
        let run = try #require(try store.runs(RunFilter(name: "one-epoch")).first)
        #expect(try store.epochs(of: run.id).map(\.commit) == [FunnelBuild.sourceCommit])
        let (shown, alone) = try FunnelProcess(["runs", "show", "\(run.id)", "--run-dir", elsewhere.path], logDirectory: directory).wait()
        #expect(shown == 0 && !alone.contains("more than one Funnel build"), "\(alone)")
        try store.appendEpoch(EpochRecord(runID: run.id, epoch: 2, trainLoss: 1, commit: "0000000000aa"))
        let (status2, output2) = try FunnelProcess(["runs", "show", "\(run.id)", "--run-dir", elsewhere.path], logDirectory: directory).wait()
        #expect(status2 == 0)
        // Standard output and error go to one file here: the note follows the line it is about.
        #expect(output2.hasPrefix("run \(run.id) one-epoch: "), "\(output2)")
        #expect(output2.contains("trained by more than one Funnel build (it was resumed by another): "
                                 + "\(FunnelBuild.sourceCommit ?? "none recorded") (epoch 1), 0000000000aa (epoch 2)"), "\(output2)")
    }

    /// The "no run store" error names `--run-dir`, which every command that reads runs has
    /// (`tensorboard export` and `report` also take it as `--runs`, their old spelling).
    @Test func noRunStoreNamesTheRunDirectoryOption() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty").path
        let store = directory.appendingPathComponent("empty/runs.sqlite").path
        let message = "Error: no run store at \(store): nothing was recorded with --run-dir \(empty); give the run directory that holds "
            + "runs.sqlite with --run-dir, or the store with --store"
        for arguments in [["tensorboard", "export", "--runs", empty], ["tensorboard", "export", "--run-dir", empty],
                          ["report", "--runs", empty, "--out", directory.appendingPathComponent("r.html").path],
                          ["runs", "list", "--run-dir", empty], ["experiment", "status", "--experiment", "x", "--run-dir", empty],
                          ["sweep", "status", "1", "--run-dir", empty]] {
            let (status, lines) = try funnel(arguments)
            #expect(status == 1, "\(arguments)")
            #expect(lines == [message], "\(arguments)")
        }
        let (_, defaulted) = try funnel(["sweep", "status", "1", "--store", "sqlite:\(store)"])
        #expect(defaulted == ["Error: no run store at \(store): --store sqlite:\(store) names no SQLite file"])
    }

    /// `sweep status` shows a stored sweep whose file this binary's checks now refuse (here an
    /// activation that is not registered): what its runs reached is not lost to a stricter check.
    @Test func sweepStatusShowsASweepItsChecksNowRefuse() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try RunStore(directory: directory)
        let spec = "method: grid\nmetric: {name: test_top1, goal: maximize}\nparameters:\n  act: {values: [relu, frleu]}\n"
        let id = try store.createSweep(name: "old", spec: spec, seed: 0)
        #expect(throws: ExperimentError.self) { try SweepDefinition(try store.sweep(id)) }
        for (act, top1) in [("relu", 61.25), ("frleu", 72.5)] {
            let (_, lease) = try #require(try store.nextSweepRun(id) { _ in #"{"act":"\#(act)"}"# })
            try store.endSweepRun(lease, metric: top1, history: [top1])
        }
        let (status, lines) = try funnel(["sweep", "status", "\(id)", "--run-dir", directory.path])
        #expect(status == 0)
        #expect(lines == ["old: 2 runs (0 running, 0 failed); best first",
                          "   72.5000  old-2             {\"act\":\"frleu\"}",
                          "   61.2500  old-1             {\"act\":\"relu\"}"])
    }

    /// A PostgreSQL store that cannot be reached is retried (a worker outlasts a server restart),
    /// and a command waiting on it says so at once instead of being silent until it gives up.
    @Test func anUnreachableStoreIsRetriedAndSaysSo() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = "postgres://funnel@127.0.0.1:1/runs"  // port 1: nothing listens, the connection is refused
        let (status, lines) = try funnel(["runs", "list", "--store", store + "?retry=1"])
        #expect(status == 1)
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.hasPrefix("store \(store): connect: ") == true, "\(lines)")
        #expect(lines.first?.hasSuffix("; retrying for up to 1 s (the URL's ?retry=SECONDS sets how long)") == true, "\(lines)")
        #expect(lines.last?.hasPrefix("Error: \(store): connect: ") == true && lines.last?.hasSuffix("; gave up after 1 s of retries") == true, "\(lines)")
    }

    /// `plot acts` draws pointwise activations only: FReLU on a 1x1 map used to be drawn as a curve
    /// of its initial weights under FReLU's name. A new output folder is made.
    @Test func plotActsRefusesWhatHasNoCurveAndMakesItsFolder() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let pointwise = Activations.all.filter(\.isPointwise).map(\.name).joined(separator: ", ")
        let refused = try funnel(["plot", "acts", "--acts", "relu,frelu", "--out", directory.appendingPathComponent("a.svg").path])
        #expect(refused.status == 1)
        #expect(refused.lines == ["Error: frelu is not pointwise: its output depends on more than the input value, so it has no single curve; "
                                  + "pointwise activations: \(pointwise)"])
        let out = directory.appendingPathComponent("new/folder/b.svg")
        let drawn = try funnel(["plot", "acts", "--acts", "relu,swish", "--out", out.path])
        #expect(drawn.status == 0 && drawn.lines == ["wrote \(out.path)"])
        #expect(XMLCheck.parses(try String(contentsOf: out, encoding: .utf8)))
        // Specs with options are separated by ';' as in every other command; none, or one twice, is an error.
        let options = try funnel(["plot", "acts", "--acts", "leaky_relu:a=0.2;elu", "--out", out.path])
        #expect(options.status == 0 && options.lines == ["wrote \(out.path)"])
        for (acts, error) in [("", "Error: --acts '': expected at least one activation spec"), ("relu,mish,relu", "Error: --acts: 'relu' is listed twice")] {
            let refused = try funnel(["plot", "acts", "--acts", acts, "--out", directory.appendingPathComponent("c.svg").path])
            #expect(refused.status == 64 && refused.lines.first == error)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("c.svg").path))
    }

    /// The `runs` commands also take the runs.sqlite file itself as `--run-dir`.
    @Test func runsListTakesTheStoreFile() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try RunStore(directory: directory)
        let header = "   id  status       model      act                  seed  epochs  best top-1  final top-1  final loss  name"
        for runDir in [directory.path, directory.appendingPathComponent("runs.sqlite").path] {
            let (status, lines) = try funnel(["runs", "list", "--run-dir", runDir])
            #expect(status == 0)
            #expect(lines == [header], "\(runDir)")
        }
        // A filter no run matches says so, with what the runs have: a typo is not "no runs yet".
        _ = try store.createRun(RunSpec(name: "resnet20-relu-s0", config: try RunSpec.json(TrainConfig()), model: "resnet20", act: "relu",
                                        dataset: "synthetic", seed: 0))
        let (status, lines) = try funnel(["runs", "list", "--run-dir", directory.path, "--act", "frleu", "--model", "resnet20"])
        #expect(status == 0)
        #expect(Set(lines) == [header, "no run has act 'frleu'; there: relu"])
        let export = try funnel(["tensorboard", "export", "--run-dir", directory.path, "--experiment", "gird"])
        #expect(export.status == 64 && export.lines.first == "Error: no run has experiment 'gird'; no run has one")
        // One run twice is the same row twice, not a comparison.
        let twice = try funnel(["runs", "compare", "1", "1", "--run-dir", directory.path])
        #expect(twice.status == 64 && twice.lines.first == "Error: run 1 is listed twice")
    }

    /// Every command shows its own default run directory in its help, and those without one require it.
    @Test func theRunDirectoryDefaultIsInTheHelp() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let defaults: [([String], String)] = [(["train"], "runs"), (["runs", "list"], "runs"), (["compare"], "runs/compare"),
                                              (["experiment", "status"], "runs/experiments"), (["sweep", "agent"], "runs/sweeps"),
                                              (["bench", "store"], "runs/bench")]
        for (command, path) in defaults {
            let (status, lines) = try funnel(command + ["--help"])
            #expect(status == 0)
            let help = lines.joined(separator: " ").split(separator: " ").joined(separator: " ")
            #expect(help.contains("--run-dir <run-dir>"), "\(command)")
            #expect(help.contains("(default: \(path))."), "\(command): \(help)")
        }
        let (status, lines) = try funnel(["tensorboard", "export"])
        #expect(status == 64)
        #expect(lines.first == "Error: Missing expected argument '--run-dir <run-dir>'")
    }
}

/// The error a registry lookup throws (its list of valid names), which a command must quote.
private func registryError(_ lookup: () throws -> Void) -> String {
    do { try lookup() } catch { return "\(error)" }
    return "(no error)"
}
