//! The callback URL: set (E31) and get (E32), per service provider in partner mode and per
//! brand in brand-direct mode. The URL's rules are the request's own (wxpay-models), checked
//! when it was decoded.

use wxpay_models::{ErrorRow, GetNotifyConfigRequest, NotifyConfigEntity, SetNotifyConfigRequest};

use crate::cx::Cx;
use crate::error::ErrorAnswer;
use crate::notify::NotifyTarget;
use crate::ops::{Done, Handle};
use crate::views::wx_time;
use crate::world::World;

impl Handle for SetNotifyConfigRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        request: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        if !cx.caller.has_apiv3_key() {
            return Err(ErrorAnswer::new(
                ErrorRow::BusinessRule,
                format!(
                    "{} has no apiv3_key in the emulator's config, so its callbacks could not be encrypted; add apiv3_key to its entry",
                    cx.caller.label()
                ),
            ));
        }
        let target = NotifyTarget {
            url: request.notify_url().trim().to_owned(),
            update_time: cx.now,
        };
        let entity = entity(&target);
        world.notify.set(cx.caller.key(), target);
        Ok(Done {
            new: true,
            ..Done::read(entity)
        })
    }
}

impl Handle for GetNotifyConfigRequest {
    /// Before any is set the answer is an empty URL (our choice: the documents show only
    /// the answer's shape, and an empty config is not an error to the caller).
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        _: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        Ok(Done::read(match world.notify.get(&cx.caller.key()) {
            Some(target) => entity(target),
            None => NotifyConfigEntity {
                notify_url: String::new(),
                update_time: None,
            },
        }))
    }
}

fn entity(target: &NotifyTarget) -> NotifyConfigEntity {
    NotifyConfigEntity {
        notify_url: target.url.clone(),
        update_time: Some(wx_time(target.update_time)),
    }
}
