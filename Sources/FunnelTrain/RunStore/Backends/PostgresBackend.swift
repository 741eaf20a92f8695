import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The run store in a PostgreSQL database: for workers on many machines.
///
/// One connection per store, used by one transaction at a time. Funnel's code is synchronous, so
/// each statement waits for its future on the calling thread (never on an event loop or in the
/// Swift concurrency pool, where such a wait could starve the loop it waits for).
///
/// A lost connection (a network split, a restarted server) is reopened and the whole transaction
/// run again, with growing pauses, for up to `retryFor` seconds. Every write of the store is
/// written so that running it twice is harmless (the first try may have committed before its
/// answer was lost), and writes made for a claimed cell re-check the claim (fencing).
final class PostgresBackend: SQLBackend, @unchecked Sendable {
    let dialect = SQLDialect.postgres
    let location: String
    private let configuration: PostgresConnection.Configuration
    private let statementTimeout: TimeInterval
    private let retryFor: TimeInterval
    private let logger = Logger(label: "funnel.store.postgres")
    /// Held for a whole transaction; the connection is used by one at a time.
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private var connectionCount = 0

    /// Connects to the database at `url` and creates or updates the store's tables.
    init(url: StoreLocation.PostgresURL) throws {
        location = url.description
        var configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user,
                                                             password: url.password, database: url.database, tls: .disable)
        configuration.options.connectTimeout = .milliseconds(Int64(url.connectTimeout * 1000))
        // A worker cut off in the middle of a transaction leaves the server holding its row locks
        // until it notices; this ends such a session (and frees the locks) soon instead of after
        // TCP's hours-long keepalive. Funnel's transactions never wait on the client for long.
        configuration.options.additionalStartupParameters = [
            ("idle_in_transaction_session_timeout", "\(Int(max(10, url.statementTimeout) * 1000))"),
        ]
        self.configuration = configuration
        statementTimeout = url.statementTimeout
        retryFor = url.retryFor
        try write { [location] tx in try RunStoreSchema.migratePostgres(tx, store: location) }
    }

    deinit { if let connection { Self.retire(connection) } }

    func write<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        try transaction(begin: "BEGIN", body)
    }

    func read<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func transaction<T>(begin: String, _ body: (any SQLTransaction) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date().addingTimeInterval(retryFor)
        var pause = 0.5
        var retrySaid = false
        while true {
            do {
                let tx = Transaction(backend: self, connection: try connected())
                _ = try tx.run(begin, [])
                do {
                    let result = try body(tx)
                    _ = try tx.run("COMMIT", [])
                    return result
                } catch {
                    _ = try? tx.run("ROLLBACK", [])
                    throw error
                }
            } catch let error as ConnectionLost {
                dropConnection()
                guard Date().addingTimeInterval(pause) < deadline else {
                    throw RunStoreError.unavailable(store: location, reason: "\(error.reason); gave up after \(Int(retryFor)) s of retries")
                }
                // Said once a transaction, so that a command waiting on the store is not silent for minutes.
                if !retrySaid {
                    retrySaid = true
                    writeToStandardError("store \(location): \(error.reason); retrying for up to \(Int(retryFor)) s "
                                         + "(the URL's ?retry=SECONDS sets how long)\n")
                }
                Thread.sleep(forTimeInterval: pause)
                pause = min(pause * 2, 5)
            }
        }
    }

    private func connected() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        connectionCount += 1
        let future = PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                                                id: connectionCount, logger: logger)
        let made = try wait(future, timeout: configuration.options.connectTimeout.seconds + 5, what: "connect")
        connection = made
        return made
    }

    private func dropConnection() {
        if let connection { Self.retire(connection) }
        connection = nil
    }

    /// Closes `connection`, keeping it alive until it is closed (PostgresNIO requires a connection
    /// to be closed before it is freed, and a lost one may take a while to notice).
    private static func retire(_ connection: PostgresConnection) {
        let closed: EventLoopFuture<Void> = connection.close()
        closed.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Waits for `future`; a connection failure or no answer within `timeout` is `ConnectionLost`.
    fileprivate func wait<T: Sendable>(_ future: EventLoopFuture<T>, timeout: TimeInterval, what: String) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        future.whenComplete { result in
            box.set(result)
            done.signal()
        }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            throw ConnectionLost(reason: "\(what): no answer from \(location) within \(Int(timeout)) s")
        }
        switch box.get()! {
        case let .success(value): return value
        case let .failure(error): throw classify(error, what: what)
        }
    }

    /// A server's refusal becomes `RunStoreError.database`; anything that broke the connection, `ConnectionLost`.
    private func classify(_ error: any Error, what: String) -> any Error {
        guard let psql = error as? PSQLError else { return ConnectionLost(reason: "\(what): \(error)") }
        if psql.code == .server {
            let info = psql.serverInfo
            let message = [info?[.message], info?[.detail]].compactMap { $0 }.joined(separator: ": ")
            return RunStoreError.database(store: location, message: "\(message) (SQLSTATE \(info?[.sqlState] ?? "?"))")
        }
        if psql.code == .connectionError || psql.code == .serverClosedConnection || psql.code == .clientClosedConnection
            || psql.code == .uncleanShutdown {
            return ConnectionLost(reason: "\(what): \(psql.code) \(psql.underlying.map { "\($0)" } ?? "")")
        }
        return RunStoreError.database(store: location, message: String(reflecting: psql))
    }

    private struct ConnectionLost: Error {
        let reason: String
    }

    private struct Transaction: SQLTransaction {
        let backend: PostgresBackend
        let connection: PostgresConnection

        func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
            try run(sql, arguments).metadata.rows ?? 0
        }

        func fetch(_ sql: String, _ arguments: [SQLValue], table: String) throws -> [SQLRow] {
            try run(sql, arguments).rows.map { row in
                var columns: [String: SQLValue] = [:]
                for cell in row { columns[cell.columnName] = try Self.value(cell) }
                return SQLRow(columns: columns, table: table)
            }
        }

        func run(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQueryResult {
            var bindings = PostgresBindings(capacity: arguments.count)
            for argument in arguments {
                switch argument {
                case .null: bindings.appendNull()
                case let .integer(v): bindings.append(v)
                case let .real(v): if v.isFinite { bindings.append(v) } else { bindings.appendNull() }
                case let .text(v): bindings.append(v)
                case let .date(v): bindings.append(v)
                }
            }
            let query = PostgresQuery(unsafeSQL: Self.numberedPlaceholders(sql), binds: bindings)
            return try backend.wait(connection.query(query, logger: backend.logger), timeout: backend.statementTimeout,
                                    what: String(sql.prefix(40)))
        }

        static func value(_ cell: PostgresCell) throws -> SQLValue {
            guard cell.bytes != nil else { return .null }
            switch cell.dataType {
            case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
            case .float4, .float8: return .real(try cell.decode(Double.self))
            case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
            case .timestamptz, .timestamp: return .date(try cell.decode(Date.self))
            default: return .text(try cell.decode(String.self))
            }
        }

        /// `?` placeholders as PostgreSQL's `$1, $2, ...`, leaving quoted text alone.
        static func numberedPlaceholders(_ sql: String) -> String {
            var out = "", n = 0, quoted = false
            for c in sql {
                if c == "'" { quoted.toggle() }
                if c == "?" && !quoted {
                    n += 1
                    out += "$\(n)"
                } else {
                    out.append(c)
                }
            }
            return out
        }
    }
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?
    func set(_ value: Result<T, any Error>) { lock.withLock { result = value } }
    func get() -> Result<T, any Error>? { lock.withLock { result } }
}

private extension TimeAmount {
    var seconds: TimeInterval { TimeInterval(nanoseconds) / 1e9 }
}
