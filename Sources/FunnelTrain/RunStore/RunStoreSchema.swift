import GRDB

/// The run store's tables, as numbered migrations: a store created by an older Funnel is brought
/// up to date when opened, and each migration runs exactly once even when several processes open
/// the store together (migrations run inside an IMMEDIATE write transaction).
enum RunStoreSchema {
    static var migrator: DatabaseMigrator {
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
        return migrator
    }
}
