import Foundation

/// The SQL database behind a run store: SQLite on one machine, PostgreSQL across machines.
///
/// The store's statements are written once, with `?` placeholders, and the few spellings that
/// differ come from `dialect`. Every call runs in a transaction: `write` in one that serialises
/// with other writers (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: row locks taken by the statements),
/// `read` in a consistent snapshot.
public protocol SQLBackend: AnyObject, Sendable {
    /// The dialect the statements must be written in.
    var dialect: SQLDialect { get }
    /// Where the database is (a path, or a URL without its password), for messages.
    var location: String { get }
    /// Runs `body` in a write transaction, committed if `body` returns and rolled back if it throws.
    func write<T>(_ body: (any SQLTransaction) throws -> T) throws -> T
    /// Runs `body` in a read-only transaction.
    func read<T>(_ body: (any SQLTransaction) throws -> T) throws -> T
}

/// Statements inside one transaction.
public protocol SQLTransaction {
    /// Runs a statement; returns the number of rows it changed.
    @discardableResult func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int
    /// Runs a query and returns its rows; `table` names them in decoding errors.
    func fetch(_ sql: String, _ arguments: [SQLValue], table: String) throws -> [SQLRow]
}

extension SQLTransaction {
    @discardableResult func execute(_ sql: String, _ arguments: [any SQLColumnValue] = []) throws -> Int {
        try execute(sql, arguments.map(\.sqlValue))
    }

    func fetch(_ sql: String, _ arguments: [any SQLColumnValue] = [], table: String = "result") throws -> [SQLRow] {
        try fetch(sql, arguments.map(\.sqlValue), table: table)
    }

    func fetchOne(_ sql: String, _ arguments: [any SQLColumnValue] = [], table: String = "result") throws -> SQLRow? {
        try fetch(sql, arguments, table: table).first
    }
}

/// What differs between the two backends' SQL.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// The database server's current time. Leases are stamped with it, never with a worker's
    /// clock, so that clock skew between machines cannot expire or prolong a lease.
    var now: String {
        switch self {
        case .sqlite: "strftime('%Y-%m-%d %H:%M:%f', 'now')"
        case .postgres: "now()"
        }
    }

    /// The server's time plus the seconds (any sign) bound to the next `?`.
    var nowPlusSeconds: String {
        switch self {
        case .sqlite: "strftime('%Y-%m-%d %H:%M:%f', 'now', printf('%+.3f seconds', ?))"
        case .postgres: "(now() + ? * interval '1 second')"
        }
    }

    /// Seconds between a date column and now (positive when the date is in the past).
    func secondsSince(_ column: String) -> String {
        switch self {
        case .sqlite: "((julianday('now') - julianday(\(column))) * 86400.0)"
        case .postgres: "extract(epoch FROM (now() - \(column)))::double precision"
        }
    }

    /// Suffix of a subquery that picks a row to claim: PostgreSQL locks it and skips rows other
    /// transactions hold, so concurrent claimers take different rows instead of waiting or, at
    /// READ COMMITTED, finding nothing; SQLite's writer lock already serialises claimers.
    var skipLocked: String {
        switch self {
        case .sqlite: ""
        case .postgres: " FOR UPDATE SKIP LOCKED"
        }
    }

    /// Suffix of a query that locks the rows it reads until the transaction ends (the fencing check).
    var forUpdate: String {
        switch self {
        case .sqlite: ""
        case .postgres: " FOR UPDATE"
        }
    }
}
