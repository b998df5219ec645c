//! [`Change`]: what changed a world, as it can be kept and applied again — an API request
//! that acted (the operation, who sent it, its business time, the request as received) or an
//! admin action. Applying the same changes in the same order to the same world gives the same
//! world: the operations are deterministic, and time and callback ids come from the change
//! and the world.

use serde::{Deserialize, Serialize};
use wxpay_models::{Decode, Mode, RawRequest};

use crate::actor::{Actor, ActorKey};
use crate::ops::Handle;
use crate::ops::admin::AdminAction;
use crate::world::World;

/// One change to a world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// An API request that acted.
    Api {
        /// The operation's name (`SendUserProductCoupon`).
        op: String,
        /// Who sent it.
        mode: Mode,
        /// Its mchid or brand_id.
        caller: String,
        /// Business time, Unix seconds.
        now: i64,
        /// Path parameters as received (percent-encoded).
        path: Vec<(String, String)>,
        /// The query string as received.
        query: Option<String>,
        /// The body as received (kept beside the rest, not in its JSON).
        #[serde(skip)]
        body: Vec<u8>,
    },
    /// An admin action.
    Admin {
        /// Business time, Unix seconds.
        now: i64,
        /// What was done.
        action: AdminAction,
    },
}

/// A change that cannot be applied again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The kept form does not read back.
    #[error("unreadable change: {0}")]
    Unreadable(String),
    /// No operation of that name.
    #[error("no operation {0}")]
    UnknownOperation(String),
    /// The caller is gone from the configuration.
    #[error("the configuration has no {0} caller {1}")]
    UnknownCaller(Mode, String),
    /// It did not act as it did the first time (the configuration or fixtures changed).
    #[error("{0}")]
    Diverged(String),
}

impl Change {
    /// The kept form: the JSON of everything but the body, and the body.
    ///
    /// ```
    /// use wxpay_mock_core::{AdminAction, Change};
    /// let change = Change::Admin { now: 1, action: AdminAction::SetClock { offset_secs: 60 } };
    /// let (json, body) = change.to_record();
    /// assert_eq!(Change::from_record(&json, body)?, change);
    /// # Ok::<(), wxpay_mock_core::ReplayError>(())
    /// ```
    pub fn to_record(&self) -> (String, Vec<u8>) {
        let json = serde_json::to_string(self).unwrap_or_default();
        let body = match self {
            Change::Api { body, .. } => body.clone(),
            Change::Admin { .. } => Vec::new(),
        };
        (json, body)
    }

    /// Reads a kept change back.
    pub fn from_record(json: &str, body: Vec<u8>) -> Result<Self, ReplayError> {
        let mut change: Change =
            serde_json::from_str(json).map_err(|e| ReplayError::Unreadable(e.to_string()))?;
        if let Change::Api { body: b, .. } = &mut change {
            *b = body;
        }
        Ok(change)
    }
}

type ReplayFn = fn(&mut World, &Actor, &RawRequest<'_>, i64) -> Result<(), ReplayError>;

macro_rules! replayers {
    ($($request:ty),* $(,)?) => {
        &[$((<$request as wxpay_models::Endpoint>::OPERATION.name, replay_one::<$request> as ReplayFn)),*]
    };
}

/// Every operation's replayer, from the one list of the family.
const REPLAYERS: &[(&str, ReplayFn)] = wxpay_models::for_each_endpoint!(replayers);

fn replay_one<E: Handle>(
    world: &mut World,
    actor: &Actor,
    raw: &RawRequest<'_>,
    now: i64,
) -> Result<(), ReplayError> {
    let request = <E as Decode>::decode(raw)
        .map_err(|e| ReplayError::Diverged(format!("the request no longer decodes: {e}")))?;
    let applied = world.apply(actor, request, now, false);
    match applied.result {
        Err(e) => Err(ReplayError::Diverged(format!(
            "{} answered {e} this time",
            E::OPERATION.kebab
        ))),
        Ok(_) => Ok(()),
    }
}

impl World {
    /// Applies a kept change again; `actors` finds its caller.
    ///
    /// ```
    /// use wxpay_mock_core::{AdminAction, Change, Fixtures, Seed, World};
    /// let mut world = World::new(&Seed::new(Fixtures::default(), 1), 1_764_381_600)?;
    /// let change = Change::Admin { now: 1_764_381_600, action: AdminAction::SetClock { offset_secs: 3600 } };
    /// world.replay(&change, &|_| None)?;
    /// assert_eq!(world.clock_offset(), 3600);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replay(
        &mut self,
        change: &Change,
        actors: &dyn Fn(&ActorKey) -> Option<Actor>,
    ) -> Result<(), ReplayError> {
        match change {
            Change::Api {
                op,
                mode,
                caller,
                now,
                path,
                query,
                body,
            } => {
                let replay = REPLAYERS
                    .iter()
                    .find(|(name, _)| name == op)
                    .map(|(_, f)| *f)
                    .ok_or_else(|| ReplayError::UnknownOperation(op.clone()))?;
                let actor = actors(&(*mode, caller.clone()))
                    .ok_or_else(|| ReplayError::UnknownCaller(*mode, caller.clone()))?;
                let names: Vec<(&'static str, &str)> = path
                    .iter()
                    .filter_map(|(name, value)| Some((static_name(op, name)?, value.as_str())))
                    .collect();
                let raw = RawRequest {
                    path: &names,
                    query: query.as_deref(),
                    body,
                };
                replay(self, &actor, &raw, *now)
            }
            Change::Admin { now, action } => self
                .admin(action, *now, actors)
                .map(|_| ())
                .map_err(|e| ReplayError::Diverged(format!("admin action refused this time: {e}"))),
        }
    }
}

/// The `'static` name of path parameter `name` of operation `op`.
fn static_name(op: &str, name: &str) -> Option<&'static str> {
    wxpay_models::operations::find(op)?
        .path_params()
        .find(|p| *p == name)
}
