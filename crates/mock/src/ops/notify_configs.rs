//! The callback URL: set (E31) and get (E32), per service provider in partner mode and per
//! brand in brand-direct mode.

use wxpay_models::{
    ErrorRow, FieldError, GetNotifyConfigRequest, NotifyConfigEntity, Rule, SetNotifyConfigRequest,
    WxTime,
};

use crate::caller::NotifyTarget;
use crate::config::check_notify_url;
use crate::error::ErrorAnswer;
use crate::ops::{Cx, Done, Handle};
use crate::world::World;

impl Handle for SetNotifyConfigRequest {
    fn handle(
        _: &mut World,
        cx: &Cx<'_>,
        request: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let url = request.notify_url.trim();
        check_notify_url(url).map_err(|problem| {
            ErrorAnswer::param(&FieldError::body("notify_url", Rule::Mode(problem)))
        })?;
        if cx.caller.apiv3_key.is_none() {
            return Err(ErrorAnswer::new(
                ErrorRow::BusinessRule,
                format!(
                    "{} has no apiv3_key in the emulator's config, so its callbacks could not be encrypted; add apiv3_key to its entry",
                    cx.caller.label()
                ),
            ));
        }
        let target = NotifyTarget {
            url: url.to_owned(),
            update_time: WxTime::from_unix(cx.now).unwrap_or_else(|_| WxTime::now()),
        };
        *cx.caller.notify.write() = Some(target.clone());
        Ok(Done {
            new: true,
            ..Done::read(entity(&target))
        })
    }
}

impl Handle for GetNotifyConfigRequest {
    /// Before any is set the answer is an empty URL (our choice: the documents show only
    /// the answer's shape, and an empty config is not an error to the caller).
    fn handle(_: &mut World, cx: &Cx<'_>, _: Self) -> Result<Done<Self::Response>, ErrorAnswer> {
        Ok(Done::read(match cx.caller.notify.read().as_ref() {
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
        update_time: Some(target.update_time),
    }
}
