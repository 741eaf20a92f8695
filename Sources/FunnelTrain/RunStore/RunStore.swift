import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SQLite database of runs, their per-epoch metrics, and the experiment cell queue.
///
/// Safe to share: every instance, in any thread or process, may write to the same file at once.
/// The database is in WAL mode (readers never block the writer), writes are IMMEDIATE transactions
/// (so they queue on the lock instead of failing half-way), and a writer that finds the file
/// locked waits up to `busyTimeout` before failing with `SQLITE_BUSY`.
///
/// WAL needs shared memory, so all processes must be on one machine. For a store shared by several
/// machines over a network file system, open it with `journal: .rollback`; the cell queue only
/// relies on single-statement atomic updates, which that mode keeps.
public final class RunStore: Sendable {
    /// The conventional file name of a store inside a run directory.
    public static let fileName = "runs.sqlite"

    /// How SQLite keeps the database consistent while writing.
    public enum Journal: Sendable {
        /// Write-ahead log: concurrent readers and one writer; processes on one machine.
        case wal
        /// Classic rollback journal: readers and writers exclude each other; works where shared
        /// memory does not (network file systems).
        case rollback
    }

    /// The database file's path.
    public let path: String
    let database: any DatabaseWriter

    /// Opens (creating if needed, and migrating) the store at `path`.
    /// - Parameters:
    ///   - busyTimeout: how long a write waits for another writer before failing.
    ///   - journal: `.wal` unless the file is on a network file system.
    public init(path: String, busyTimeout: TimeInterval = 60, journal: Journal = .wal) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "RunStore"
        // GRDB's migrator decides which migrations are pending before it takes the write lock, so
        // two processes opening a new store together would both create the tables. Opening and
        // migrating under an exclusive lock on a side file serialises them.
        database = try withFileLock(path + ".lock") {
            let database: any DatabaseWriter = switch journal {
            case .wal: try DatabasePool(path: path, configuration: configuration)
            case .rollback: try DatabaseQueue(path: path, configuration: configuration)
            }
            try RunStoreSchema.migrator.migrate(database)
            return database
        }
    }

    /// Opens the store `runs.sqlite` in `directory`, creating the directory if needed.
    public convenience init(directory: URL, busyTimeout: TimeInterval = 60, journal: Journal = .wal) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try self.init(path: directory.appendingPathComponent(Self.fileName).path, busyTimeout: busyTimeout, journal: journal)
    }

    /// This process's identity as a cell-queue worker: `host:pid`.
    public static var workerID: String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}

/// Runs `body` holding an exclusive advisory lock (`flock`) on the file at `lockPath`, created if
/// needed. The lock is a separate file because closing any descriptor of the database file itself
/// would drop SQLite's own POSIX locks on it.
private func withFileLock<T>(_ lockPath: String, _ body: () throws -> T) throws -> T {
    let fd = open(lockPath, O_RDWR | O_CREAT, 0o644)
    guard fd >= 0 else { throw RunStoreError.lockFailed(path: lockPath, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    while flock(fd, LOCK_EX) != 0 {
        guard errno == EINTR else { throw RunStoreError.lockFailed(path: lockPath, reason: String(cString: strerror(errno))) }
    }
    defer { flock(fd, LOCK_UN) }
    return try body()
}
