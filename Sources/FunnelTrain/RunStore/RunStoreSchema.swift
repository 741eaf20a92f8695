import GRDB

/// The run store's tables, in both dialects.
///
/// Both are migrated by numbered steps, the same on both (a store made by an older Funnel is brought
/// up to date when opened; each step runs once even when several processes open the store together):
/// SQLite's by GRDB's migrator (recorded in `grdb_migrations`), PostgreSQL's by `migratePostgres`
/// (recorded in `funnel_migrations`). A store that records a step this Funnel does not know was
/// upgraded by a newer one, and is refused rather than written without what that one records.
/// A new step goes into both lists under one identifier.
enum RunStoreSchema {
    static var sqliteMigrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: run, epoch, cell") { db in
            try db.execute(sql: """
                CREATE TABLE run (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    experiment TEXT,
                    config TEXT NOT NULL CHECK (json_valid(config)),
                    model TEXT NOT NULL,
                    act TEXT NOT NULL,
                    dataset TEXT NOT NULL,
                    seed INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
                    git_commit TEXT,
                    host TEXT NOT NULL,
                    cpu TEXT NOT NULL,
                    threads INTEGER NOT NULL,
                    started_at DATETIME NOT NULL,
                    ended_at DATETIME,
                    error TEXT,
                    checkpoint TEXT,
                    epochs INTEGER NOT NULL DEFAULT 0,
                    best_test_top1 REAL,
                    best_epoch INTEGER,
                    final_test_top1 REAL,
                    final_test_top5 REAL,
                    final_test_loss REAL,
                    final_train_loss REAL
                );
                CREATE INDEX run_by_experiment ON run(experiment);

                CREATE TABLE epoch (
                    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    epoch INTEGER NOT NULL,
                    train_loss REAL,
                    train_acc REAL,
                    test_loss REAL,
                    test_top1 REAL,
                    test_top5 REAL,
                    lr REAL,
                    seconds REAL,
                    images_per_second REAL,
                    extra TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(extra)),
                    PRIMARY KEY (run_id, epoch)
                ) WITHOUT ROWID;

                CREATE TABLE cell (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    experiment TEXT NOT NULL,
                    key TEXT NOT NULL,
                    config TEXT NOT NULL CHECK (json_valid(config)),
                    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
                    claimed_by TEXT,
                    claimed_at DATETIME,
                    heartbeat_at DATETIME,
                    run_id INTEGER REFERENCES run(id) ON DELETE SET NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    error TEXT,
                    UNIQUE (experiment, key)
                );
                CREATE INDEX cell_by_status ON cell(status, experiment);
                """)
        }
        migrator.registerMigration("v2: leases, attempt history, sweeps") { db in
            try db.execute(sql: """
                ALTER TABLE cell ADD COLUMN claim INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE cell ADD COLUMN lease_until DATETIME;
                UPDATE cell SET claim = attempts, lease_until = strftime('%Y-%m-%d %H:%M:%f', heartbeat_at, '+600 seconds');
                """ + sharedTables(id: "INTEGER PRIMARY KEY AUTOINCREMENT", integer: "INTEGER", real: "REAL", date: "DATETIME"))
        }
        migrator.registerMigration("v3: run heartbeat") { db in
            try db.execute(sql: "ALTER TABLE run ADD COLUMN heartbeat_at DATETIME")
        }
        migrator.registerMigration("v4: epoch commit") { db in
            try db.execute(sql: "ALTER TABLE epoch ADD COLUMN git_commit TEXT")
        }
        return migrator
    }

    /// Brings a PostgreSQL store up to date: the steps of `postgresMigrations` not yet recorded in
    /// its `funnel_migrations` table run, in order, each recorded in the same transaction. Concurrent
    /// first opens wait on an advisory lock, so only one changes the tables.
    /// - Throws: `RunStoreError.newerSchema` when the store records a step this Funnel does not
    ///   know (a newer Funnel upgraded it); nothing is changed then.
    static func migratePostgres(_ tx: any SQLTransaction, store: String) throws {
        try tx.execute("SELECT pg_advisory_xact_lock(7140001)")
        try tx.execute("CREATE TABLE IF NOT EXISTS funnel_migrations (identifier TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        var applied = Set(try tx.fetch("SELECT identifier FROM funnel_migrations").map { try $0["identifier"] as String })
        if applied.isEmpty, let tables = try tx.fetchOne("SELECT to_regclass('public.cell') IS NOT NULL AS present"),
           try tables["present"] as Int64 == 1 {
            // Made before the steps were recorded: created whole as of v2, the first two steps
            // (PostgreSQL stores began there), perhaps with v3's column, which v3 then leaves as it is.
            applied = Set(postgresMigrations.prefix(2).map(\.identifier))
            for identifier in applied.sorted() { try tx.execute("INSERT INTO funnel_migrations (identifier) VALUES ($1)", [identifier]) }
        }
        try refuseNewer(unknown: applied.subtracting(postgresMigrations.map(\.identifier)), store: store)
        for migration in postgresMigrations where !applied.contains(migration.identifier) {
            // The extended query protocol takes one statement at a time.
            for statement in migration.sql.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                try tx.execute(String(statement))
            }
            try tx.execute("INSERT INTO funnel_migrations (identifier) VALUES ($1)", [migration.identifier])
        }
    }

    /// Throws `RunStoreError.newerSchema` if `store` records steps this Funnel does not know.
    static func refuseNewer(unknown: Set<String>, store: String) throws {
        guard unknown.isEmpty else { throw RunStoreError.newerSchema(store: store, unknown: unknown.sorted()) }
    }

    /// PostgreSQL's steps, named and ordered as SQLite's: the same tables in PostgreSQL's types.
    static let postgresMigrations: [(identifier: String, sql: String)] = [
        ("v1: run, epoch, cell", """
            CREATE TABLE run (
                id BIGSERIAL PRIMARY KEY,
                name TEXT NOT NULL,
                experiment TEXT,
                config TEXT NOT NULL,
                model TEXT NOT NULL,
                act TEXT NOT NULL,
                dataset TEXT NOT NULL,
                seed BIGINT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
                git_commit TEXT,
                host TEXT NOT NULL,
                cpu TEXT NOT NULL,
                threads BIGINT NOT NULL,
                started_at TIMESTAMPTZ NOT NULL,
                ended_at TIMESTAMPTZ,
                error TEXT,
                checkpoint TEXT,
                epochs BIGINT NOT NULL DEFAULT 0,
                best_test_top1 DOUBLE PRECISION,
                best_epoch BIGINT,
                final_test_top1 DOUBLE PRECISION,
                final_test_top5 DOUBLE PRECISION,
                final_test_loss DOUBLE PRECISION,
                final_train_loss DOUBLE PRECISION
            );
            CREATE INDEX run_by_experiment ON run(experiment);

            CREATE TABLE epoch (
                run_id BIGINT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                epoch BIGINT NOT NULL,
                train_loss DOUBLE PRECISION,
                train_acc DOUBLE PRECISION,
                test_loss DOUBLE PRECISION,
                test_top1 DOUBLE PRECISION,
                test_top5 DOUBLE PRECISION,
                lr DOUBLE PRECISION,
                seconds DOUBLE PRECISION,
                images_per_second DOUBLE PRECISION,
                extra TEXT NOT NULL DEFAULT '{}',
                PRIMARY KEY (run_id, epoch)
            );

            CREATE TABLE cell (
                id BIGSERIAL PRIMARY KEY,
                experiment TEXT NOT NULL,
                key TEXT NOT NULL,
                config TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
                claimed_by TEXT,
                claimed_at TIMESTAMPTZ,
                heartbeat_at TIMESTAMPTZ,
                run_id BIGINT REFERENCES run(id) ON DELETE SET NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                error TEXT,
                UNIQUE (experiment, key)
            );
            CREATE INDEX cell_by_status ON cell(status, experiment);
            """),
        ("v2: leases, attempt history, sweeps", """
            ALTER TABLE cell ADD COLUMN claim BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE cell ADD COLUMN lease_until TIMESTAMPTZ;
            UPDATE cell SET claim = attempts, lease_until = heartbeat_at + interval '600 seconds';
            """ + sharedTables(id: "BIGSERIAL PRIMARY KEY", integer: "BIGINT", real: "DOUBLE PRECISION", date: "TIMESTAMPTZ")),
        // IF NOT EXISTS: stores made before the steps were recorded may have it already.
        ("v3: run heartbeat", "ALTER TABLE run ADD COLUMN IF NOT EXISTS heartbeat_at TIMESTAMPTZ"),
        ("v4: epoch commit", "ALTER TABLE epoch ADD COLUMN IF NOT EXISTS git_commit TEXT"),
    ]

    /// Tables added in v2, in either dialect's types.
    private static func sharedTables(id: String, integer: String, real: String, date: String) -> String {
        """

        CREATE TABLE cell_attempt (
            id \(id),
            cell_id \(integer) NOT NULL REFERENCES cell(id) ON DELETE CASCADE,
            claim \(integer) NOT NULL,
            worker TEXT NOT NULL,
            started_at \(date) NOT NULL,
            ended_at \(date),
            outcome TEXT NOT NULL CHECK (outcome IN ('running', 'done', 'failed', 'released', 'expired')),
            error TEXT,
            UNIQUE (cell_id, claim)
        );

        CREATE TABLE sweep (
            id \(id),
            name TEXT NOT NULL,
            spec TEXT NOT NULL,
            seed \(integer) NOT NULL,
            created_at \(date) NOT NULL
        );

        CREATE TABLE sweep_run (
            id \(id),
            sweep_id \(integer) NOT NULL REFERENCES sweep(id) ON DELETE CASCADE,
            number \(integer) NOT NULL,
            assignment TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
            claimed_by TEXT,
            claim \(integer) NOT NULL DEFAULT 1,
            attempts \(integer) NOT NULL DEFAULT 1,
            heartbeat_at \(date),
            lease_until \(date),
            run_id \(integer) REFERENCES run(id) ON DELETE SET NULL,
            metric \(real),
            history TEXT NOT NULL DEFAULT '[]',
            informed_by TEXT NOT NULL DEFAULT '[]',
            started_at \(date) NOT NULL,
            ended_at \(date),
            error TEXT,
            UNIQUE (sweep_id, number)
        );
        """
    }
}
