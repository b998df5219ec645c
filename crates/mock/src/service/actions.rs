//! Admin actions on a world ([`wxpay_mock_core::AdminAction`]), under the one commit step:
//! applied under the lock, kept for the state file, answered once durable.

use wxpay_mock_core::{AdminAction, AdminDone, AdminError, Change, ErrorAnswer};

use super::Emulator;
use super::space::{Settle, Space, Wrote};

fn not_durable(e: impl std::fmt::Display) -> AdminError {
    AdminError {
        status: 500,
        message: e.to_string(),
    }
}

impl Emulator {
    /// Applies `action` to world `space` at its business time; answers after it is durable.
    pub(crate) async fn admin_in(
        &self,
        space: &Space,
        action: &AdminAction,
    ) -> Result<AdminDone, AdminError> {
        let (result, settle) = self.begin_admin(space, action);
        settle
            .finish(space, &self.metrics)
            .await
            .map_err(not_durable)?;
        result
    }

    /// [`Emulator::admin_in`] on the configured world, for callers without a runtime.
    pub(crate) fn admin_blocking(&self, action: &AdminAction) -> Result<AdminDone, AdminError> {
        let (result, settle) = self.begin_admin(&self.space, action);
        settle
            .finish_blocking(&self.space, &self.metrics)
            .map_err(not_durable)?;
        result
    }

    /// Moves business time by `secs` from real time (absolute, not cumulative); refused when
    /// business time would leave 2000–2099.
    pub fn set_clock_offset(&self, secs: i64) -> Result<(), AdminError> {
        self.admin_blocking(&AdminAction::SetClock { offset_secs: secs })
            .map(|_| ())
    }

    fn begin_admin(
        &self,
        space: &Space,
        action: &AdminAction,
    ) -> (Result<AdminDone, AdminError>, Settle) {
        let real = self.real_now();
        space.write(|world| {
            let now = world.business_now(real);
            match world.admin(action, now, &|key| self.actor(key)) {
                Ok(done) => Wrote {
                    change: done.changed.then(|| Change::Admin {
                        now,
                        action: action.clone(),
                    }),
                    emitted: done.emitted.clone(),
                    value: Ok(done),
                },
                Err(e) => Wrote {
                    value: Err(e),
                    change: None,
                    emitted: Vec::new(),
                },
            }
        })
    }

    /// Back to the loaded fixtures: clears coupons, request records, nonces, rate windows,
    /// faults, the clock offset, callbacks and the request journal. With a state file, it
    /// starts over from the fresh world.
    pub fn reset(&self) -> Result<(), ErrorAnswer> {
        self.begin_reset(&self.space)?
            .finish_blocking(&self.space, &self.metrics)
            .map_err(ErrorAnswer::system)
    }

    /// [`Emulator::reset`] of the world `space` (its fault rules too), waiting without
    /// blocking the runtime.
    pub(crate) async fn reset_in(&self, space: &Space) -> Result<(), ErrorAnswer> {
        self.begin_reset(space)?
            .finish(space, &self.metrics)
            .await
            .map_err(ErrorAnswer::system)
    }

    fn begin_reset(&self, space: &Space) -> Result<Settle, ErrorAnswer> {
        let world = space.fresh(self.real_now()).map_err(ErrorAnswer::system)?;
        let settle = space.replace(world, None).map_err(ErrorAnswer::system)?;
        if space.name().is_empty() {
            // Nonces are kept per caller, not per world: a namespace's reset leaves them.
            self.nonces.clear();
        }
        space.clear_service_state(&self.limits);
        Ok(settle)
    }
}
