import ArgumentParser
import Foundation
import FunnelTrain

/// A command's run directory when `--run-dir` is not given, and how the option reads for it.
/// `RunLocation<Directory>` takes one of these, so every command declares the two options once
/// (this group) while keeping its own default, shown in its help.
protocol RunDirectoryDefault {
    /// The default run directory; nil: the command has none and `--run-dir` must be given.
    static var path: String? { get }
    /// Other spellings of `--run-dir` the command accepted before (kept working).
    static var aliases: [String] { get }
    /// Whether `--run-dir` may name the runs.sqlite file itself (commands that only read the store).
    static var acceptsStoreFile: Bool { get }
    /// With no default: when the command may do without runs, what the help says it takes instead
    /// (the command then checks `--run-dir` itself).
    static var alternative: String? { get }
}

extension RunDirectoryDefault {
    static var aliases: [String] { [] }
    static var acceptsStoreFile: Bool { false }
    static var alternative: String? { nil }
}

/// `funnel train`, and the `funnel runs` commands (which also take a runs.sqlite file).
enum TrainRunDirectory: RunDirectoryDefault { static var path: String? { "runs" } }
enum RunsRunDirectory: RunDirectoryDefault {
    static var path: String? { "runs" }
    static var acceptsStoreFile: Bool { true }
}
enum CompareRunDirectory: RunDirectoryDefault { static var path: String? { "runs/compare" } }
enum ExperimentRunDirectory: RunDirectoryDefault { static var path: String? { "runs/experiments" } }
enum SweepRunDirectory: RunDirectoryDefault { static var path: String? { "runs/sweeps" } }
enum BenchRunDirectory: RunDirectoryDefault { static var path: String? { "runs/bench" } }
/// `funnel tensorboard export`: no default, and `--runs` as before.
enum GivenRunDirectory: RunDirectoryDefault {
    static var path: String? { nil }
    static var aliases: [String] { ["runs"] }
}
/// `funnel report`: as `GivenRunDirectory`, but a page can also be drawn from an analysis file.
enum ReportRunDirectory: RunDirectoryDefault {
    static var path: String? { nil }
    static var aliases: [String] { ["runs"] }
    static var alternative: String? { "--from-analysis" }
}

/// `--run-dir` and `--store`: where a command's runs are. Checkpoints (and TensorBoard logs) stay
/// under the run directory, on a cluster a folder every node shares; the run store is `--store`,
/// else `$FUNNEL_STORE`, else `<run-dir>/runs.sqlite`.
struct RunLocation<Directory: RunDirectoryDefault>: ParsableArguments {
    @Option(name: NameSpecification([.customLong("run-dir")] + Directory.aliases.map { .customLong($0) }),
            help: ArgumentHelp("Run directory: checkpoints, TensorBoard logs, and the run store (runs.sqlite) unless --store"
                               + (Directory.acceptsStoreFile ? "; or a runs.sqlite file" : "")
                               + (Directory.path.map { " (default: \($0))." }
                                  ?? Directory.alternative.map { " (required unless \($0))." } ?? " (required)."),
                               valueName: "run-dir"))
    var runDir: String?

    @Option(help: ArgumentHelp("Run store: sqlite:PATH or postgres://user@host:port/database (default: $FUNNEL_STORE, else sqlite:<run-dir>/runs.sqlite).",
                               valueName: "url"))
    var store: String?

    func validate() throws {
        guard runDir != nil || Directory.path != nil else {
            if Directory.alternative != nil { return }  // the command checks it (it may not need runs)
            throw ValidationError("Missing expected argument '--run-dir <run-dir>'")
        }
        _ = try location()
    }

    /// `--run-dir`, or the command's default.
    var runDirectory: String { runDir ?? Directory.path ?? "." }

    var runDirectoryURL: URL { URL(fileURLWithPath: runDirectory) }

    /// Where the store is: `--store`, `$FUNNEL_STORE`, `<run-dir>/runs.sqlite`, or (for commands
    /// that accept it) the runs.sqlite file `--run-dir` names.
    func location() throws -> StoreLocation {
        var isDirectory: ObjCBool = false
        if Directory.acceptsStoreFile, store == nil, FileManager.default.fileExists(atPath: runDirectory, isDirectory: &isDirectory), !isDirectory.boolValue {
            return .sqlite(path: runDirectory)
        }
        do { return try StoreLocation.resolve(store, runDirectory: runDirectory) } catch { throw ValidationError(error.description) }
    }

    /// Opens the store. With `mustExist`, a SQLite file that is not there is an error (a command
    /// that only reads must not create an empty store from a typo).
    func open(mustExist: Bool = false) throws -> RunStore {
        let location = try location()
        if mustExist { try requireExisting(location) }
        return try RunStore(location)
    }

    /// Throws when `location` is a SQLite file that does not exist, naming the option that put it there.
    func requireExisting(_ location: StoreLocation) throws {
        guard case let .sqlite(path) = location, !FileManager.default.fileExists(atPath: path) else { return }
        if let store { throw RunLocationError("no run store at \(path): --store \(store) names no SQLite file") }
        if let variable = ProcessInfo.processInfo.environment[StoreLocation.environmentVariable], !variable.isEmpty {
            throw RunLocationError("no run store at \(path): $\(StoreLocation.environmentVariable) \(variable) names no SQLite file")
        }
        let given = runDir.map { "--run-dir \($0)" } ?? "--run-dir \(runDirectory) (the default)"
        throw RunLocationError("no run store at \(path): nothing was recorded with \(given); give the run directory that holds "
                               + "\(RunStore.fileName) with --run-dir, or the store with --store")
    }
}

/// A run location that does not hold what the command needs: an error of the run, not of its
/// usage (no usage line follows it).
struct RunLocationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
