//! The media clock: image-generation tasks finish on business time, so every [`TICK`] the
//! due ones are finished (and their callbacks queued) without waiting for a read.

use std::sync::Arc;
use std::time::Duration;

use wxpay_mock_core::AdminAction;

use crate::service::Emulator;

/// How often due tasks are finished, and at most how many per tick.
const TICK: Duration = Duration::from_millis(250);
const TASKS_PER_TICK: usize = 256;

/// Finishes due tasks every [`TICK`]; started by the server next to callback delivery.
pub(crate) async fn tick(emu: Arc<Emulator>) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let finish = AdminAction::FinishTasks {
        limit: TASKS_PER_TICK,
    };
    loop {
        interval.tick().await;
        for space in emu.spaces() {
            if let Err(e) = emu.admin_in(&space, &finish).await {
                tracing::warn!("image tasks of world {:?}: {e}", space.name());
            }
        }
    }
}
