import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// The run store in one SQLite file: the embedded default, for processes of one machine.
///
/// The database is in WAL mode (readers never block the writer) and every write is an IMMEDIATE
/// transaction, so writers queue on the lock instead of failing half-way; a writer that finds the
/// file locked waits up to `busyTimeout`. WAL needs shared memory, so all processes must be on one
/// machine: across machines use PostgreSQL (SQLite's locking is unreliable over network file systems).
final class SQLiteBackend: SQLBackend {
    let dialect = SQLDialect.sqlite
    let location: String
    private let database: any DatabaseWriter

    /// Opens (creating if needed, and migrating) the database at `path`.
    init(path: String, busyTimeout: TimeInterval = 60) throws {
        location = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "RunStore"
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw RunStoreError.unavailable(store: path, reason: "cannot create its folder \(directory.path): \(error.localizedDescription)")
        }
        // GRDB's migrator decides which migrations are pending before it takes the write lock, so
        // two processes opening a new store together would both create the tables. Opening and
        // migrating under an exclusive lock on a side file serialises them.
        database = try withFileLock(path + ".lock") {
            let database = try Self.describingFailures(path) { try DatabasePool(path: path, configuration: configuration) }
            let migrator = RunStoreSchema.sqliteMigrator
            let unknown = try Self.describingFailures(path) {
                try database.read { db in try migrator.appliedIdentifiers(db).subtracting(try migrator.appliedMigrations(db)) }
            }
            try RunStoreSchema.refuseNewer(unknown: unknown, store: path)
            try Self.describingFailures(path) { try migrator.migrate(database) }
            return database
        }
    }

    func write<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        try Self.describingFailures(location) {
            try database.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(Transaction(db: db))
                    return .commit
                }
                return result!
            }
        }
    }

    func read<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        try Self.describingFailures(location) { try database.read { db in try body(Transaction(db: db)) } }
    }

    /// SQLite's own errors, said in words with the file's path (a full disk says so).
    private static func describingFailures<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError {
            let reason = switch error.resultCode {
            case .SQLITE_FULL: "the disk is full"
            case .SQLITE_IOERR: "disk I/O error (is the disk full or the file system gone?)"
            case .SQLITE_BUSY: "locked by another process for longer than the busy timeout"
            case .SQLITE_READONLY: "the file or its folder is read-only"
            case .SQLITE_CANTOPEN: "cannot open the file"
            case .SQLITE_CORRUPT, .SQLITE_NOTADB: "not a Funnel run store, or a corrupt one"
            default: error.message ?? "\(error)"
            }
            throw RunStoreError.unavailable(store: path, reason: "\(reason) (SQLite error \(error.resultCode.rawValue))")
        }
    }

    private struct Transaction: SQLTransaction {
        let db: Database

        func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
            try db.execute(sql: sql, arguments: StatementArguments(arguments.map(Self.bind)))
            return db.changesCount
        }

        func fetch(_ sql: String, _ arguments: [SQLValue], table: String) throws -> [SQLRow] {
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments.map(Self.bind))).map { row in
                var columns: [String: SQLValue] = [:]
                for (name, value) in row {
                    columns[name] = switch value.storage {
                    case .null: .null
                    case let .int64(v): .integer(v)
                    case let .double(v): .real(v)
                    case let .string(v): .text(v)
                    case let .blob(v): .text(String(decoding: v, as: UTF8.self))
                    }
                }
                return SQLRow(columns: columns, table: table)
            }
        }

        static func bind(_ value: SQLValue) -> (any DatabaseValueConvertible)? {
            switch value {
            case .null: nil
            case let .integer(v): v
            case let .real(v): v
            case let .text(v): v
            case let .date(v): v
            }
        }
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
