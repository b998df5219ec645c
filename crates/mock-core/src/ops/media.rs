//! Pictures: upload (E33, both modes) and image-generation tasks (E34 create, E35 get;
//! partner mode). The state and the task clock are in `media.rs`.

use std::borrow::Cow;

use wxpay_models::media::{
    CreateImageGenerationTaskRequest, CreateImageGenerationTaskResponse,
    GetImageGenerationTaskRequest, MAX_IMAGE_BYTES, MediaUrl, UploadImageRequest,
};
use wxpay_models::{FieldError, Rule};

use wxpay_models::BizCode;

use crate::cx::Cx;
use crate::error::ErrorAnswer;
use crate::media::Task;
use crate::ops::{Done, Handle};
use crate::requests::Record;
use crate::world::World;

impl Handle for UploadImageRequest {
    /// Decoding checked type, name and hash; the size is ours to answer with its code.
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        request: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        if request.file().len() > MAX_IMAGE_BYTES {
            return Err(too_large(request.file().len()));
        }
        let (url, new) = world.media.upload(&request, cx.caller, cx.now);
        Ok(Done {
            // A first upload is a write: `drop_rate` may lose its answer, and the retry
            // gets the same URL.
            new,
            ..Done::read(MediaUrl {
                media_url: Some(url),
                image_url: None,
            })
        })
    }

    /// Only `meta` is signed; a body without one is verified as sent (and fails).
    fn signed_body(body: &[u8]) -> Cow<'_, [u8]> {
        Cow::Borrowed(UploadImageRequest::signed_meta(body).unwrap_or(body))
    }
}

/// 400 PARAM_ERROR on `file` with 270087680 (图片超过指定大小); the status is our choice, the
/// documents give only the code.
fn too_large(size: usize) -> ErrorAnswer {
    let mut e = ErrorAnswer::param(&FieldError::body(
        "file",
        Rule::Mode(format!(
            "is {size} bytes; an image may have at most 2 MB ({MAX_IMAGE_BYTES} bytes)"
        )),
    ));
    e.message = format!("图片超过指定大小: {}", e.message);
    e.biz = Some(BizCode::ImageTooLarge);
    e
}

fn created(task: &Task) -> CreateImageGenerationTaskResponse {
    CreateImageGenerationTaskResponse {
        task_id: task.task_id.clone(),
        brand_id: task.brand.clone(),
    }
}

impl Handle for CreateImageGenerationTaskRequest {
    /// The pipeline's records make `task_id` the key: the same body answers the first
    /// answer again, another body 268578927.
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        request: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        if world.media.find(cx.brand, request.task_id()).is_some() {
            // Records and tasks are made together, so this is only a safety net.
            return Err(ErrorAnswer::rule(
                BizCode::SameNoOtherData,
                format!("task_id {} is already a task", request.task_id()),
            ));
        }
        let index = world.media.create(&request, cx.brand, cx.caller, cx.now);
        let task = world
            .media
            .task(index)
            .ok_or_else(|| ErrorAnswer::system("the new task is missing"))?;
        Ok(Done::wrote(created(task), Record::Task(index)))
    }

    fn replay(world: &World, _: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        match record {
            Record::Task(index) => world
                .media
                .task(*index)
                .map(created)
                .ok_or_else(|| ErrorAnswer::system("the recorded task is missing")),
            _ => Err(ErrorAnswer::system("not a task record")),
        }
    }
}

impl Handle for GetImageGenerationTaskRequest {
    /// A task of another provider, or asked for under the other type, is not found (our
    /// choice: the documents do not say). A due task finishes here, before it is answered.
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        request: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let creator = (cx.caller.mode, cx.caller.id.clone());
        let kind = request.image_generation_type().cloned().unwrap_or_default();
        let index = world
            .media
            .find(cx.brand, request.task_id())
            .filter(|&i| {
                world
                    .media
                    .task(i)
                    .is_some_and(|t| t.creator == creator && t.kind == kind)
            })
            .ok_or_else(|| {
                ErrorAnswer::not_found(format!(
                    "no {} image generation task {} of brand {} created by {}",
                    kind.as_str(),
                    request.task_id(),
                    cx.brand,
                    cx.caller.label()
                ))
            })?;
        let event = world.media.finish_if_due(index, cx.now);
        let entity = world
            .media
            .task(index)
            .map(Task::entity)
            .ok_or_else(|| ErrorAnswer::system("the task is missing"))?;
        Ok(Done {
            events: event.into_iter().collect(),
            ..Done::read(entity)
        })
    }
}
