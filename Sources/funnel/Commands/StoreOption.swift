import ArgumentParser
import Foundation
import FunnelTrain

/// `--store`: which run store a command reads and writes. Checkpoints stay under `--run-dir`
/// (on a cluster, a folder every node shares).
struct StoreOption: ParsableArguments {
    @Option(help: ArgumentHelp("Run store: sqlite:PATH or postgres://user@host:port/database (default: $FUNNEL_STORE, else sqlite:<run-dir>/runs.sqlite).",
                               valueName: "url"))
    var store: String?

    /// Where the store is, given the command's run directory.
    func location(runDirectory: String) throws -> StoreLocation {
        do { return try StoreLocation.resolve(store, runDirectory: runDirectory) } catch { throw ValidationError(error.description) }
    }

    /// Opens the store. With `mustExist`, a SQLite file that is not there is an error (a command
    /// that only reads must not create an empty store from a typo).
    func open(runDirectory: String, mustExist: Bool = false) throws -> RunStore {
        let location = try location(runDirectory: runDirectory)
        if mustExist, case let .sqlite(path) = location, !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("no run store at \(path): train something with --run-dir \(runDirectory) first, or give --store")
        }
        return try RunStore(location)
    }
}
