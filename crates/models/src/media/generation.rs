//! E34 提交图片生成任务 (`POST …/image-generation-tasks`) and E35 查询图片生成任务执行结果
//! (`GET …/image-generation-tasks/{task_id}`); partner mode only.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::enums::{
    ImageGenerationType, ProductCouponScope, ProductCouponType, TaskState, UsageMode,
};
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::product_coupon::{
    DiscountCouponUsageRule, ExchangeCouponUsageRule, NormalCouponUsageRule,
};
use crate::validate::{Checker, Location, Rule, ValidationError};

/// E34 提交图片生成任务 (`POST /image-generation-tasks`).
const CREATE_IMAGE_GENERATION_TASK: Operation = Operation {
    name: "CreateImageGenerationTask",
    kebab: "create-image-generation-task",
    title: "提交图片生成任务",
    method: Method::Post,
    path: "/image-generation-tasks",
    retry: Retry::Keyed("task_id"),
    body: BodyKind::Json,
    partner: per_second(10),
    brand: None,
    carries_brand: true,
};

/// E35 查询图片生成任务执行结果 (`GET /image-generation-tasks/{task_id}`).
const GET_IMAGE_GENERATION_TASK: Operation = Operation {
    name: "GetImageGenerationTask",
    kebab: "get-image-generation-task",
    title: "查询图片生成任务执行结果",
    method: Method::Get,
    path: "/image-generation-tasks/{task_id}",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: per_second(20),
    brand: None,
    carries_brand: true,
};

/// Where `cut_out.image_url` must live.
pub const CUT_OUT_HOST: &str = "https://wxpaylogo.qpic.cn";

/// E34 提交图片生成任务 — `POST /image-generation-tasks`: asks WeChat Pay to make a head image
/// (COMBINE_IMAGE, from the offer) or cut a product picture out (CUT_OUT). The result comes
/// by callback or E35. Partner mode only; `task_id` is the caller's key. Answers
/// [`CreateImageGenerationTaskResponse`].
///
/// ```
/// use wxpay_models::{ImageGenerationType, media::{CreateImageGenerationTaskRequest, CutOut}};
/// let r = CreateImageGenerationTaskRequest::new("image_generation_task_1", ImageGenerationType::CutOut)
///     .with_cut_out(CutOut { image_url: "https://wxpaylogo.qpic.cn/wxpaylogo/x.png".into() });
/// r.validate()?;
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateImageGenerationTaskRequest {
    /// The caller's task id: 6–40 of `[0-9A-Za-z_-]`, unique.
    task_id: String,
    /// What to make.
    image_generation_type: ImageGenerationType,
    /// The offer to draw (COMBINE_IMAGE).
    pub combine_image: Option<CombineImage>,
    /// The picture to cut out (CUT_OUT).
    pub cut_out: Option<CutOut>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

/// `combine_image`: the offer a head image shows.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CombineImage {
    /// The coupon's scope.
    pub scope: ProductCouponScope,
    /// The coupon's type (`type` on the wire).
    #[serde(rename = "type")]
    pub coupon_type: ProductCouponType,
    /// The coupon's usage mode.
    pub usage_mode: UsageMode,
    /// The amount-off rule (NORMAL).
    pub normal_coupon: Option<NormalCouponUsageRule>,
    /// The percent-off rule (DISCOUNT).
    pub discount_coupon: Option<DiscountCouponUsageRule>,
    /// The exchange rule (EXCHANGE).
    pub exchange_coupon: Option<ExchangeCouponUsageRule>,
    /// Background colour, `#` and six hex digits.
    pub background_color: Option<String>,
}

/// `cut_out`: the picture to cut out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CutOut {
    /// The product picture, on `https://wxpaylogo.qpic.cn` (from 图片上传).
    pub image_url: String,
}

endpoint!(CreateImageGenerationTaskRequest => CreateImageGenerationTaskResponse, CREATE_IMAGE_GENERATION_TASK,
    path: [], query: [], key: task_id, brand: brand_id);

accessors! {
    CreateImageGenerationTaskRequest,
    get: [
        task_id / task_id_mut: String => str,
        image_generation_type / image_generation_type_mut: ImageGenerationType,
    ],
    with: [
        with_combine_image => combine_image: CombineImage,
        with_cut_out => cut_out: CutOut,
        with_brand_id => brand_id: String,
    ]
}

impl CreateImageGenerationTaskRequest {
    /// The task `task_id` of `image_generation_type`; its input (`combine_image` or `cut_out`)
    /// is set with `with_*`. See the [type](Self) for an example.
    pub fn new(task_id: impl Into<String>, image_generation_type: ImageGenerationType) -> Self {
        Self {
            task_id: task_id.into(),
            image_generation_type,
            combine_image: None,
            cut_out: None,
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.id("task_id", &self.task_id, 6, 40);
        c.required_enum("image_generation_type", &self.image_generation_type);
        match self.image_generation_type {
            ImageGenerationType::CombineImage => {
                c.forbidden("cut_out", self.cut_out.is_some(), "for COMBINE_IMAGE");
                if let Some(combine) = c.present("combine_image", &self.combine_image) {
                    check_combine(&mut c, combine);
                }
            }
            ImageGenerationType::CutOut => {
                c.forbidden("combine_image", self.combine_image.is_some(), "for CUT_OUT");
                if let Some(cut) = c.present("cut_out", &self.cut_out)
                    && check::image_url(&mut c, "cut_out.image_url", Some(&cut.image_url), 1, 512)
                    && !cut.image_url.starts_with(&format!("{CUT_OUT_HOST}/"))
                {
                    c.body(
                        "cut_out.image_url",
                        Rule::Mode(format!("must be on {CUT_OUT_HOST} (upload it first)")),
                    );
                }
            }
            _ => {}
        }
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// The offer's enums, the rule of its type, and the colour.
fn check_combine(c: &mut Checker, ci: &CombineImage) {
    c.required_enum("combine_image.scope", &ci.scope);
    c.required_enum("combine_image.type", &ci.coupon_type);
    c.required_enum("combine_image.usage_mode", &ci.usage_mode);
    match ci.coupon_type {
        ProductCouponType::Normal => {
            if let Some(r) = c.present("combine_image.normal_coupon", &ci.normal_coupon) {
                check::normal(c, "combine_image.normal_coupon", r);
            }
        }
        ProductCouponType::Discount => {
            if let Some(r) = c.present("combine_image.discount_coupon", &ci.discount_coupon) {
                check::discount(c, "combine_image.discount_coupon", r);
            }
        }
        ProductCouponType::Exchange => {
            if let Some(r) = c.present("combine_image.exchange_coupon", &ci.exchange_coupon) {
                check::exchange(c, "combine_image.exchange_coupon", r);
            }
        }
        _ => {}
    }
    if let Some(color) = &ci.background_color {
        let hex = color.strip_prefix('#').filter(|h| h.len() == 6);
        if !hex.is_some_and(|h| h.chars().all(|ch| ch.is_ascii_hexdigit())) {
            c.body(
                "combine_image.background_color",
                Rule::Mode("must be # and six hex digits, like #ff5733".into()),
            );
        }
    }
}

/// The answer of E34: the task taken.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateImageGenerationTaskResponse {
    /// The task id.
    pub task_id: String,
    /// The brand.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub brand_id: String,
}

/// E35 查询图片生成任务执行结果 — `GET /image-generation-tasks/{task_id}`: the task's state and,
/// once SUCCESS, the image. Partner mode only. Answers the [`ImageGenerationTaskEntity`].
///
/// ```
/// use wxpay_models::{ImageGenerationType, Mode, Target, encode, media::GetImageGenerationTaskRequest};
/// let r = GetImageGenerationTaskRequest::new("image_generation_task_1", ImageGenerationType::CombineImage);
/// let wire = encode(&r, Target { mode: Mode::Partner, brand_id: Some("120344") })?;
/// assert_eq!(wire.path_and_query, "/v3/marketing/partner/product-coupon/image-generation-tasks/image_generation_task_1?brand_id=120344&image_generation_type=COMBINE_IMAGE");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetImageGenerationTaskRequest {
    /// The task (path).
    #[serde(skip)]
    task_id: String,
    /// The task's type (query, required).
    #[serde(skip)]
    image_generation_type: Option<ImageGenerationType>,
    /// The brand (partner mode, query).
    #[serde(skip)]
    pub brand_id: Option<String>,
}

endpoint!(GetImageGenerationTaskRequest => ImageGenerationTaskEntity, GET_IMAGE_GENERATION_TASK,
    path: [task_id], query: [image_generation_type], key: none, brand: brand_id);

accessors! {
    GetImageGenerationTaskRequest,
    get: [
        task_id / task_id_mut: String => str,
    ],
    get_opt: [image_generation_type / image_generation_type_mut: ImageGenerationType],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl GetImageGenerationTaskRequest {
    /// Reads the task `task_id` of `image_generation_type`; see the [type](Self) for an example.
    pub fn new(task_id: impl Into<String>, image_generation_type: ImageGenerationType) -> Self {
        Self {
            task_id: task_id.into(),
            image_generation_type: Some(image_generation_type),
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.path("task_id", &self.task_id, 40);
        match &self.image_generation_type {
            Some(kind) => c.known_query("image_generation_type", kind),
            None => c.at(Location::Query, "image_generation_type", Rule::Required),
        }
        check::query_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// An image generation task (E35, and the IMAGE_GENERATION callback).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageGenerationTaskEntity {
    /// The brand.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub brand_id: String,
    /// The task id.
    pub task_id: String,
    /// What it makes.
    pub image_generation_type: ImageGenerationType,
    /// Where it is.
    pub task_state: TaskState,
    /// The head image, for COMBINE_IMAGE.
    pub combine_image_result: Option<GeneratedImage>,
    /// The cut-out picture, for CUT_OUT.
    pub cut_out_result: Option<GeneratedImage>,
}

/// `combine_image_result` / `cut_out_result`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedImage {
    /// The generated image's URL.
    pub image_url: String,
}
