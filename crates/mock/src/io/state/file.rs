//! The state file as SQLite: a snapshot of each world (`base`) plus the changes since
//! (`changes`), named snapshots, and who holds the file. Marked with its own application id,
//! so that another program's database is recognised and left alone.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::StateError;

/// `PRAGMA application_id` of a wxpay-mock state file ("WXPM").
pub(crate) const APPLICATION_ID: i64 = 0x5758_504D;
/// The file's format; another is refused rather than misread.
pub(crate) const FORMAT: &str = "2";
/// Blobs are kept in pieces of this size (SQLite's limit is 1 GB a value).
const CHUNK: usize = 64 << 20;

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS wxpay_mock (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS base (space TEXT NOT NULL, chunk INTEGER NOT NULL,
        data BLOB NOT NULL, PRIMARY KEY (space, chunk));
    CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT,
        space TEXT NOT NULL, record TEXT NOT NULL, body BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS snapshots (space TEXT NOT NULL, name TEXT NOT NULL,
        coupons INTEGER NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL,
        PRIMARY KEY (space, name));
    CREATE TABLE IF NOT EXISTS snapshot_chunks (space TEXT NOT NULL, name TEXT NOT NULL,
        chunk INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (space, name, chunk));
    CREATE TABLE IF NOT EXISTS namespaces (name TEXT PRIMARY KEY, record TEXT NOT NULL);";

pub(crate) fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> StateError + '_ {
    move |source| StateError::Sqlite {
        path: path.display().to_string(),
        source,
    }
}

/// What is in a file before we touch it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// Empty: a new state file.
    Empty,
    /// A wxpay-mock state file of this format.
    Ours,
}

/// Looks at `path` read-only and says whether it is ours; anything else is refused with
/// the reason, untouched.
pub(crate) fn inspect(path: &Path) -> Result<Found, StateError> {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if len == 0 {
        return Ok(Found::Empty);
    }
    let refuse = |why: String| StateError::Foreign {
        path: path.display().to_string(),
        why,
    };
    let mut header = [0u8; 16];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(|e| StateError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        let n = f.read(&mut header).unwrap_or(0);
        if n < 16 || &header != b"SQLite format 3\0" {
            return Err(refuse("it is not an SQLite database".into()));
        }
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sqlite_error(path))?;
    let id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(sqlite_error(path))?;
    let tables = table_names(&conn).map_err(sqlite_error(path))?;
    if id != APPLICATION_ID {
        if id == 0 && tables.iter().any(|t| t == "log") && tables.iter().any(|t| t == "meta") {
            return Err(StateError::Version {
                path: path.display().to_string(),
                found: "1 (a log of requests, from wxpay-mock before snapshots)".into(),
            });
        }
        return Err(refuse(format!(
            "it is another program's SQLite database (application_id {id:#x}, tables: {})",
            if tables.is_empty() {
                "none".into()
            } else {
                tables.join(", ")
            }
        )));
    }
    let format: Option<String> = conn
        .query_row(
            "SELECT value FROM wxpay_mock WHERE key = 'format'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(sqlite_error(path))?;
    match format.as_deref() {
        Some(FORMAT) => Ok(Found::Ours),
        Some(other) => Err(StateError::Version {
            path: path.display().to_string(),
            found: other.to_owned(),
        }),
        None => Err(refuse("it has wxpay-mock's mark but no format".into())),
    }
}

fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut q =
        conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
    let names = q.query_map([], |r| r.get::<_, String>(0))?;
    names.collect()
}

/// Who holds the file, as the file says (`pid 1234 on host since …`).
pub(crate) fn holder(path: &Path) -> Option<String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    conn.query_row(
        "SELECT value FROM wxpay_mock WHERE key = 'holder'",
        [],
        |r| r.get(0),
    )
    .ok()
}

/// Opens `path` for writing: the schema, the mark, the holder; a file that cannot be
/// written fails here, before anything is answered.
pub(crate) fn open_writable(path: &Path, holder: &str) -> Result<Connection, StateError> {
    let err = sqlite_error(path);
    let conn = Connection::open(path).map_err(&err)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(&err)?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        .map_err(&err)?;
    let tx = conn.unchecked_transaction().map_err(&err)?;
    tx.execute_batch(SCHEMA).map_err(&err)?;
    tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID};"))
        .map_err(&err)?;
    tx.execute(
        "INSERT OR REPLACE INTO wxpay_mock (key, value) VALUES ('format', ?1), ('holder', ?2)",
        params![FORMAT, holder],
    )
    .map_err(&err)?;
    tx.commit().map_err(&err)?;
    Ok(conn)
}

/// The base snapshot of `space`, if any.
pub(crate) fn read_base(conn: &Connection, space: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    read_chunks(
        conn,
        "SELECT data FROM base WHERE space = ?1 ORDER BY chunk",
        params![space],
    )
}

fn read_chunks(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Option<Vec<u8>>> {
    let mut q = conn.prepare(sql)?;
    let mut rows = q.query(args)?;
    let mut out: Option<Vec<u8>> = None;
    while let Some(row) = rows.next()? {
        let data = row.get_ref(0)?.as_blob()?;
        out.get_or_insert_with(Vec::new).extend_from_slice(data);
    }
    Ok(out)
}

/// Every change of `space`, oldest first, as (row, record, body).
pub(crate) fn read_changes(
    conn: &Connection,
    space: &str,
    mut each: impl FnMut(i64, &str, Vec<u8>) -> Result<(), StateError>,
) -> Result<usize, StateError> {
    let path = conn.path().unwrap_or("").to_owned();
    let err = sqlite_error(Path::new(&path));
    let mut q = conn
        .prepare("SELECT seq, record, body FROM changes WHERE space = ?1 ORDER BY seq")
        .map_err(&err)?;
    let mut rows = q.query(params![space]).map_err(&err)?;
    let mut n = 0;
    while let Some(row) = rows.next().map_err(&err)? {
        let seq: i64 = row.get(0).map_err(&err)?;
        let record: String = row.get(1).map_err(&err)?;
        let body: Vec<u8> = row.get(2).map_err(&err)?;
        each(seq, &record, body)?;
        n += 1;
    }
    Ok(n)
}

/// Appends a change.
pub(crate) fn insert_change(
    tx: &rusqlite::Transaction<'_>,
    space: &str,
    record: &str,
    body: &[u8],
) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO changes (space, record, body) VALUES (?1, ?2, ?3)")?
        .execute(params![space, record, body])?;
    Ok(())
}

/// Makes `snapshot` the base of `space` and forgets its older changes.
pub(crate) fn rebase(
    tx: &rusqlite::Transaction<'_>,
    space: &str,
    snapshot: &[u8],
) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM changes WHERE space = ?1", params![space])?;
    tx.execute("DELETE FROM base WHERE space = ?1", params![space])?;
    for (i, chunk) in snapshot.chunks(CHUNK).enumerate() {
        tx.execute(
            "INSERT INTO base (space, chunk, data) VALUES (?1, ?2, ?3)",
            params![space, i as i64, chunk],
        )?;
    }
    Ok(())
}

/// Keeps namespace `name` (its record as JSON) with `snapshot` as its world.
pub(crate) fn insert_namespace(
    tx: &rusqlite::Transaction<'_>,
    name: &str,
    record: &str,
    snapshot: &[u8],
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO namespaces (name, record) VALUES (?1, ?2)",
        params![name, record],
    )?;
    rebase(tx, name, snapshot)
}

/// Forgets namespace `name`: its record, world, changes and named snapshots.
pub(crate) fn drop_namespace(tx: &rusqlite::Transaction<'_>, name: &str) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM namespaces WHERE name = ?1", params![name])?;
    tx.execute("DELETE FROM changes WHERE space = ?1", params![name])?;
    tx.execute("DELETE FROM base WHERE space = ?1", params![name])?;
    tx.execute("DELETE FROM snapshots WHERE space = ?1", params![name])?;
    tx.execute(
        "DELETE FROM snapshot_chunks WHERE space = ?1",
        params![name],
    )?;
    Ok(())
}

/// Every namespace kept, as (name, record JSON), by name.
pub(crate) fn read_namespaces(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut q = conn.prepare("SELECT name, record FROM namespaces ORDER BY name")?;
    let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// A named snapshot's metadata row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SnapshotRow {
    pub(crate) name: String,
    pub(crate) coupons: usize,
    pub(crate) bytes: usize,
    pub(crate) created: i64,
}

pub(crate) fn save_snapshot(
    conn: &mut Connection,
    space: &str,
    row: &SnapshotRow,
    snapshot: &[u8],
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute(
        "DELETE FROM snapshot_chunks WHERE space = ?1 AND name = ?2",
        params![space, row.name],
    )?;
    tx.execute(
        "INSERT OR REPLACE INTO snapshots (space, name, coupons, bytes, created) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![space, row.name, row.coupons as i64, row.bytes as i64, row.created],
    )?;
    for (i, chunk) in snapshot.chunks(CHUNK).enumerate() {
        tx.execute(
            "INSERT INTO snapshot_chunks (space, name, chunk, data) VALUES (?1, ?2, ?3, ?4)",
            params![space, row.name, i as i64, chunk],
        )?;
    }
    tx.commit()
}

pub(crate) fn load_snapshot(
    conn: &Connection,
    space: &str,
    name: &str,
) -> rusqlite::Result<Option<Vec<u8>>> {
    read_chunks(
        conn,
        "SELECT data FROM snapshot_chunks WHERE space = ?1 AND name = ?2 ORDER BY chunk",
        params![space, name],
    )
}

pub(crate) fn list_snapshots(conn: &Connection, space: &str) -> rusqlite::Result<Vec<SnapshotRow>> {
    let mut q = conn.prepare(
        "SELECT name, coupons, bytes, created FROM snapshots WHERE space = ?1 ORDER BY name",
    )?;
    let rows = q.query_map(params![space], |r| {
        Ok(SnapshotRow {
            name: r.get(0)?,
            coupons: usize::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
            bytes: usize::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
            created: r.get(3)?,
        })
    })?;
    rows.collect()
}

pub(crate) fn delete_snapshot(
    conn: &mut Connection,
    space: &str,
    name: &str,
) -> rusqlite::Result<bool> {
    let tx = conn.transaction()?;
    tx.execute(
        "DELETE FROM snapshot_chunks WHERE space = ?1 AND name = ?2",
        params![space, name],
    )?;
    let n = tx.execute(
        "DELETE FROM snapshots WHERE space = ?1 AND name = ?2",
        params![space, name],
    )?;
    tx.commit()?;
    Ok(n > 0)
}

/// A state file holding only `snapshot` as the base of the configured world: what
/// `GET /mock/snapshots/{name}` exports and `--state` or an import accepts.
pub(crate) fn export(snapshot: &[u8]) -> Result<Vec<u8>, StateError> {
    let dir = std::env::temp_dir().join(format!(
        "wxpay-mock-export-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    let io = |e: std::io::Error| StateError::Io {
        path: dir.display().to_string(),
        source: e,
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let path = dir.join("state.sqlite");
    let result = (|| {
        let conn = open_writable(&path, "exported")?;
        let tx = conn.unchecked_transaction().map_err(sqlite_error(&path))?;
        rebase(&tx, "", snapshot).map_err(sqlite_error(&path))?;
        tx.commit().map_err(sqlite_error(&path))?;
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
            .map_err(sqlite_error(&path))?;
        drop(conn);
        std::fs::read(&path).map_err(io)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
