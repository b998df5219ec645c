//! `wxpay call`: any operation of the family, signed and verified, the answer on stdout; and
//! `wxpay call --list`, one line per operation and mode.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use wxpay_coupons::models::{self, Endpoint, Mode, Rule, operations};
use wxpay_coupons::{ClientConfig, CouponClient};

use crate::Failure;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The operation, kebab-case as `--list` prints it (e.g. get-stock).
    #[arg(required_unless_present = "list")]
    operation: Option<String>,
    /// List every operation and mode: `MODE METHOD PATH NAME`.
    #[arg(long, conflicts_with = "operation")]
    list: bool,
    /// Client config TOML (docs/contracts.md §4); its `mode` picks partner or brand paths.
    #[arg(long, required_unless_present = "list")]
    config: Option<PathBuf>,
    /// A path parameter, by the spec's name: `--path openid=o1`.
    #[arg(long = "path", value_name = "K=V")]
    path: Vec<String>,
    /// A query parameter, by the spec's name: `--query page_size=10`.
    #[arg(long = "query", value_name = "K=V")]
    query: Vec<String>,
    /// The JSON body.
    #[arg(long, conflicts_with = "body_file")]
    body: Option<String>,
    /// A file holding the JSON body (at most 1 MiB).
    #[arg(long)]
    body_file: Option<PathBuf>,
    /// The image to upload (upload-image only): a JPG or PNG of at most 2 MB.
    #[arg(long, conflicts_with_all = ["body", "body_file"])]
    file: Option<PathBuf>,
}

/// What a call needs besides the client: the parameters as given.
struct Input {
    path: Vec<(String, String)>,
    query: Vec<(String, String)>,
    body: Vec<u8>,
    file: Option<PathBuf>,
}

type Run = fn(CouponClient, Input) -> Pin<Box<dyn Future<Output = Result<String, Failure>> + Send>>;

macro_rules! table {
    ($($ty:ty),* $(,)?) => {
        vec![$((<$ty as Endpoint>::OPERATION, call::<$ty> as Run)),*]
    };
}

/// Every operation with the function that calls it.
fn dispatch() -> Vec<(&'static models::Operation, Run)> {
    models::for_each_endpoint!(table)
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    if args.list {
        for line in list() {
            println!("{line}");
        }
        return Ok(());
    }
    let name = args.operation.unwrap_or_default();
    let Some((op, run)) = dispatch()
        .into_iter()
        .find(|(op, _)| op.kebab == name || op.name == name)
    else {
        return Err(Failure::usage(format!(
            "no operation {name:?}; `wxpay call --list` prints them"
        )));
    };
    let config_path = args.config.unwrap_or_default();
    let config = ClientConfig::from_file(&config_path).map_err(Failure::usage)?;
    if !op.supports(config.mode) {
        return Err(Failure::usage(format!(
            "{} is not offered in {} mode (the config's mode)",
            op.kebab, config.mode
        )));
    }
    let multipart = op.body == models::BodyKind::Multipart;
    if args.file.is_some() && !multipart {
        return Err(Failure::usage(format!(
            "{} takes no --file (only upload-image does)",
            op.kebab
        )));
    }
    let run = if multipart { upload } else { run };
    let input = Input {
        path: pairs("--path", &args.path)?,
        query: pairs("--query", &args.query)?,
        body: crate::body_bytes(
            args.body,
            args.body_file,
            crate::MAX_REQUEST_BODY,
            "a request body",
        )?,
        file: args.file,
    };
    let client = CouponClient::from_config(&config).map_err(Failure::usage)?;
    let answer = crate::runtime()?.block_on(run(client, input))?;
    println!("{answer}");
    Ok(())
}

/// `MODE METHOD PATH NAME`, partner mode first, in the fact sheet's order.
fn list() -> Vec<String> {
    Mode::ALL
        .into_iter()
        .flat_map(|mode| {
            operations::ALL
                .iter()
                .filter(move |op| op.supports(mode))
                .map(move |op| format!("{mode} {} {} {}", op.method, op.template(mode), op.kebab))
        })
        .collect()
}

/// `NAME=VALUE` pairs, each name once: no parameter of the family takes several values, and
/// silently keeping one of them would send what the user did not mean.
fn pairs(flag: &str, given: &[String]) -> Result<Vec<(String, String)>, Failure> {
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(given.len());
    for kv in given {
        let (name, value) = kv
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("{flag} {kv:?}: give it as NAME=VALUE")))?;
        let name = name.trim();
        if let Some((_, first)) = pairs.iter().find(|(n, _)| n == name) {
            return Err(Failure::usage(format!(
                "{flag} {name} is given twice ({first:?}, then {value:?}): give each parameter once"
            )));
        }
        pairs.push((name.to_owned(), value.to_owned()));
    }
    Ok(pairs)
}

/// Builds `E` from the parameters as given and calls it.
fn call<E: models::Decode>(
    client: CouponClient,
    input: Input,
) -> Pin<Box<dyn Future<Output = Result<String, Failure>> + Send>> {
    Box::pin(async move {
        let request = build::<E>(&input)?;
        let answer = client
            .execute(&request)
            .await
            .map_err(crate::send::failure)?;
        serde_json::to_string_pretty(&answer).map_err(|e| Failure::with_code(4, e))
    })
}

/// upload-image: the request is the file named by `--file`, sent as multipart.
fn upload(
    client: CouponClient,
    input: Input,
) -> Pin<Box<dyn Future<Output = Result<String, Failure>> + Send>> {
    Box::pin(async move {
        if !input.path.is_empty() || !input.query.is_empty() {
            return Err(Failure::usage(
                "upload-image takes no --path or --query: only --file PATH",
            ));
        }
        let Some(path) = input.file else {
            return Err(Failure::usage(
                "upload-image needs --file PATH (a JPG or PNG of at most 2 MB)",
            ));
        };
        let file = crate::read_file(
            "--file",
            &path,
            models::media::MAX_IMAGE_BYTES as u64,
            "an image (upload-image)",
        )?;
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let request = models::media::UploadImageRequest::new(filename, file);
        let answer = client
            .execute(&request)
            .await
            .map_err(crate::send::failure)?;
        serde_json::to_string_pretty(&answer).map_err(|e| Failure::with_code(4, e))
    })
}

fn build<E: models::Decode>(input: &Input) -> Result<E, Failure> {
    let op = E::OPERATION;
    let mut request: E = if input.body.iter().all(u8::is_ascii_whitespace) {
        E::empty()
    } else if op.body == models::BodyKind::Json {
        models::server::json(&input.body).map_err(|e| Failure::usage(format!("--body: {e}")))?
    } else {
        return Err(Failure::usage(format!(
            "{} takes no JSON body{}",
            op.kebab,
            if op.body == models::BodyKind::Multipart {
                " (give the image as --file PATH)"
            } else {
                ""
            }
        )));
    };
    let names: Vec<&str> = op.path_params().collect();
    for (name, value) in &input.path {
        if !request.set_path_param(name, value.clone()) {
            return Err(Failure::usage(format!(
                "{} has no path parameter {name:?}; it has: {}",
                op.kebab,
                if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                }
            )));
        }
    }
    for (name, value) in &input.query {
        if name == "brand_id" {
            request.set_brand_id(Some(value.clone()));
            continue;
        }
        match request.set_query_param(name, value) {
            Ok(true) => {}
            Ok(false) => {
                return Err(Failure::usage(format!(
                    "{} has no query parameter {name:?}",
                    op.kebab
                )));
            }
            Err(rule) => {
                return Err(Failure::usage(format!(
                    "--query {name}: {}",
                    describe(&rule)
                )));
            }
        }
    }
    Ok(request)
}

fn describe(rule: &Rule) -> String {
    format!("the value {rule}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_dispatched_once() {
        let table = dispatch();
        for op in operations::ALL {
            assert_eq!(
                table.iter().filter(|(o, _)| o.name == op.name).count(),
                1,
                "{}",
                op.name
            );
        }
        assert_eq!(table.len(), operations::ALL.len());
    }

    #[test]
    fn list_has_one_line_per_operation_and_mode() {
        let lines = list();
        assert_eq!(lines.len(), 65);
        assert!(lines.contains(&"partner POST /v3/marketing/partner/product-coupon/users/{openid}/coupons send-user-product-coupon".to_owned()));
        assert!(
            lines.contains(
                &"brand GET /brand/marketing/product-coupon/notify-configs get-notify-config"
                    .to_owned()
            )
        );
    }
}
