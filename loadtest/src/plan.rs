//! The run's requests: unique openids and request numbers, the load test's mix, and — by
//! default — their signatures, made before the measured window on all cores.

use std::time::Instant;

use bytes::Bytes;
use wxpay_models::{CouponTagInfo, Mode, SendUserProductCouponRequest, Target, encode};
use wxpay_signing::Signer;
use wxpay_signing::clock::{Clock, SystemClock};

use crate::options::Options;

/// The signature window pre-signed timestamps must stay well inside (the emulator allows ±300 s).
pub const MAX_DRIFT_SECS: f64 = 240.0;

/// One request, ready to send.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The user it is for.
    pub openid: String,
    /// Path (with the openid) as sent and signed.
    pub path: String,
    /// Body bytes as sent and signed.
    pub body: Bytes,
    /// The Authorization value, when pre-signed.
    pub authorization: Option<String>,
}

/// Every request of a run.
#[derive(Debug)]
pub struct Plan {
    /// In slot order.
    pub requests: Vec<Prepared>,
    /// Unix time (seconds) the pre-signed timestamps assume slot 0 is sent at.
    pub anchor: f64,
    /// How long signing took.
    pub signing_secs: f64,
}

/// Request `i` of run `run_id`: the load-test stock, every other one a member coupon.
pub fn request(options: &Options, run_id: &str, i: usize) -> SendUserProductCouponRequest {
    let request = SendUserProductCouponRequest::new(
        format!("oLT{run_id}{i:09}"),
        &options.product_coupon_id,
        &options.stock_id,
        &options.appid,
        format!("LT{run_id}{i:010}"),
    )
    .with_brand_id(&options.brand_id);
    if i.is_multiple_of(2) {
        request.with_coupon_tag_info(CouponTagInfo::member(format!("MC{run_id}{i:09}")))
    } else {
        request
    }
}

/// Builds the run's requests; signs them unless `options.presigned()` is false.
pub fn prepare(options: &Options, signer: &Signer, run_id: &str) -> Result<Plan, String> {
    let total = options.total();
    let mut requests = Vec::with_capacity(total);
    for i in 0..total {
        let r = request(options, run_id, i);
        let wire = encode(
            &r,
            Target {
                mode: Mode::Partner,
                brand_id: None,
            },
        )
        .map_err(|e| format!("request {i}: {e}"))?;
        requests.push(Prepared {
            openid: r.openid().to_owned(),
            path: wire.path_and_query,
            body: Bytes::from(wire.body),
            authorization: None,
        });
    }
    if !options.presigned() || requests.is_empty() {
        return Ok(Plan {
            requests,
            anchor: now(),
            signing_secs: 0.0,
        });
    }
    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Estimate the signing time from a sample, so that slot 0's timestamp is about when it
    // will really be sent.
    let sample = 16.min(total);
    let t = Instant::now();
    for p in &requests[..sample] {
        signer
            .authorization("POST", &p.path, &p.body)
            .map_err(|e| e.to_string())?;
    }
    let per_signature = t.elapsed().as_secs_f64() / sample as f64;
    let anchor = now() + per_signature * total as f64 / threads as f64 * 1.1 + 1.0;
    let rate = f64::from(options.rate());
    let chunk = total.div_ceil(threads);
    let failed = std::sync::Mutex::new(None);
    std::thread::scope(|scope| {
        for (c, part) in requests.chunks_mut(chunk).enumerate() {
            let failed = &failed;
            scope.spawn(move || {
                for (j, p) in part.iter_mut().enumerate() {
                    let slot = c * chunk + j;
                    let timestamp = (anchor + slot as f64 / rate).floor() as i64;
                    let signed = wxpay_signing::new_nonce().and_then(|nonce| {
                        signer.authorization_at("POST", &p.path, &p.body, timestamp, &nonce)
                    });
                    match signed {
                        Ok(auth) => p.authorization = Some(auth.to_string()),
                        Err(e) => {
                            if let Ok(mut f) = failed.lock() {
                                *f = Some(e.to_string());
                            }
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().ok().flatten() {
        return Err(format!("pre-signing failed: {e}"));
    }
    Ok(Plan {
        requests,
        anchor,
        signing_secs: started.elapsed().as_secs_f64(),
    })
}

impl Plan {
    /// Refuses a start whose pre-signed timestamps would be too far from their send times.
    pub fn check_start(&self, presigned: bool, start_unix: f64) -> Result<(), String> {
        let drift = start_unix - self.anchor;
        if presigned && drift.abs() > MAX_DRIFT_SECS {
            return Err(format!(
                "pre-signed timestamps would be {drift:.0} s off their send times (the emulator allows 300 s): \
                 signing took {:.0} s; use a shorter --run-time, a lower --rate, or --sign-inline",
                self.signing_secs
            ));
        }
        Ok(())
    }
}

/// Unix time now, in seconds.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(SystemClock.now_unix() as f64, |d| d.as_secs_f64())
}
