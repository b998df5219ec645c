//! A world as bytes: what the state file and named snapshots keep. A header (magic and
//! format version) then the world's records in postcard; the indexes are rebuilt on reading,
//! so a snapshot costs about the records' size (≈ 110 bytes per coupon).

use crate::world::World;

const MAGIC: &[u8; 8] = b"WXPMOCKW";
/// The snapshot format; another version is refused rather than misread.
pub const FORMAT: u32 = 1;

/// A snapshot that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Not a snapshot of wxpay-mock's world.
    #[error("not a wxpay-mock world snapshot")]
    NotASnapshot,
    /// Written by another version of the format.
    #[error("snapshot format {found}, this wxpay-mock reads format {FORMAT}")]
    Format {
        /// Its format.
        found: u32,
    },
    /// Damaged or truncated.
    #[error("damaged snapshot: {0}")]
    Damaged(String),
}

impl World {
    /// The world as bytes.
    pub fn snapshot(&self) -> Result<Vec<u8>, SnapshotError> {
        let mut out = Vec::with_capacity(4096 + self.ledger.heap_bytes() / 2);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        postcard::to_io(self, &mut out).map_err(|e| SnapshotError::Damaged(e.to_string()))?;
        Ok(out)
    }

    /// A world from [`World::snapshot`]'s bytes, its indexes rebuilt.
    pub fn from_snapshot(bytes: &[u8]) -> Result<World, SnapshotError> {
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or(SnapshotError::NotASnapshot)?;
        let (version, body) = rest
            .split_first_chunk::<4>()
            .ok_or(SnapshotError::NotASnapshot)?;
        let found = u32::from_le_bytes(*version);
        if found != FORMAT {
            return Err(SnapshotError::Format { found });
        }
        let (mut world, left): (World, &[u8]) =
            postcard::take_from_bytes(body).map_err(|e| SnapshotError::Damaged(e.to_string()))?;
        if !left.is_empty() {
            return Err(SnapshotError::Damaged(format!(
                "{} bytes after the world",
                left.len()
            )));
        }
        world.reindex();
        Ok(world)
    }
}
