import Foundation

/// The database of runs, their per-epoch metrics, the experiment cell queue and sweep state.
///
/// Two backends behind one interface: SQLite, the embedded default for processes of one machine
/// (`sqlite:PATH`), and PostgreSQL for workers on many machines (`postgres://…`). Every statement
/// is written once; the few spellings that differ come from the backend's `SQLDialect`.
///
/// Safe to share: every instance, in any thread, process or machine, may write at once.
public final class RunStore: Sendable {
    /// The conventional file name of a SQLite store inside a run directory.
    public static let fileName = "runs.sqlite"

    /// Where the store is.
    public let location: StoreLocation
    let backend: any SQLBackend

    /// Opens (creating and migrating if needed) the store at `location`.
    public init(_ location: StoreLocation) throws {
        self.location = location
        switch location {
        case let .sqlite(path): backend = try SQLiteBackend(path: path)
        case let .postgres(url): backend = try PostgresBackend(url: url)
        }
    }

    /// Opens the SQLite store at `path`.
    public convenience init(path: String) throws {
        try self.init(.sqlite(path: path))
    }

    /// Opens the SQLite store `runs.sqlite` in `directory`, creating the directory if needed.
    public convenience init(directory: URL) throws {
        try self.init(.sqlite(path: directory.appendingPathComponent(Self.fileName).path))
    }

    /// Where the store is, for messages (a URL without its password).
    public var path: String { backend.location }

    /// The dialect of the store's SQL.
    var dialect: SQLDialect { backend.dialect }

    /// This process's identity as a worker, unique across machines: `host:boot:pid`, where `boot`
    /// is the start of the kernel's boot id (so a rebooted machine, reusing pids, gets new ids).
    public static let workerID: String = {
        let boot = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))
            .map { String($0.prefix(8)) } ?? "noboot"
        return "\(ProcessInfo.processInfo.hostName):\(boot):\(ProcessInfo.processInfo.processIdentifier)"
    }()

    /// The database server's clock now (PostgreSQL's `now()`; this machine's clock for SQLite).
    public func serverTime() throws -> Date {
        try backend.read { tx in try tx.fetchOne("SELECT \(dialect.now) AS now")!["now"] }
    }
}
