//! Pictures in the world: uploaded images (E33) and image-generation tasks (E34, E35).
//!
//! Uploads are content-addressed: the same bytes get the same URL, whoever sends them and
//! under whatever file name. A task is PROCESSING for [`TASK_SECS`] of business time, then
//! SUCCESS (its result image becomes a known picture) or FAIL, and at that moment its
//! `IMAGE_GENERATION` callback is queued. Tasks finish when read (E35, `GET
//! /mock/image-tasks`) and on the server's tick, whichever comes first; the state change
//! happens once under the world lock, so each task's callback is queued exactly once.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use wxpay_models::media::{
    CreateImageGenerationTaskRequest, GeneratedImage, ImageGenerationTaskEntity,
    UploadImageRequest, sha256_hex,
};
use wxpay_models::{
    ImageGenerationEvent, ImageGenerationType, ImageResult, Mode, TaskState, WxTime,
};

use crate::actor::Actor;
use crate::digest::{digest16, hex};
use crate::event::Event;

/// Business seconds a task is PROCESSING.
pub(crate) const TASK_SECS: i64 = 3;
/// Where the emulator's pictures live (the host E34's `cut_out.image_url` must be on).
const URL_PREFIX: &str = "https://wxpaylogo.qpic.cn/wxpaylogo/mock";

/// A known picture, as `GET /mock/images` lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Image {
    /// Its URL.
    pub media_url: String,
    /// `upload`, or `task` for a generated image.
    pub source: String,
    /// Uploads: hex SHA-256, first file name, type, size in bytes, how many times sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The first file name it was sent under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// `image/png` or `image/jpeg`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<usize>,
    /// How many times it was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploads: Option<u32>,
    /// Generated images: the task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Who first sent it (`mchid …`, `brand …`).
    pub by: String,
    /// When (business time).
    pub create_time: WxTime,
}

/// An image-generation task.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Task {
    pub(crate) brand: String,
    pub(crate) task_id: String,
    pub(crate) kind: ImageGenerationType,
    pub(crate) state: TaskState,
    /// The provider that created it: its callback goes there, and only it may read it.
    pub(crate) creator: (Mode, String),
    pub(crate) create_time: i64,
    /// Business time it finishes at.
    pub(crate) due: i64,
    /// FAIL rather than SUCCESS when it finishes (a cut-out source never uploaded).
    pub(crate) fails: bool,
    pub(crate) result_url: Option<String>,
}

impl Task {
    /// E35's answer, and the callback's plaintext.
    pub(crate) fn entity(&self) -> ImageGenerationTaskEntity {
        let result = self.result_url.as_ref().map(|url| GeneratedImage {
            image_url: url.clone(),
        });
        let combine = self.kind == ImageGenerationType::CombineImage;
        ImageGenerationTaskEntity {
            brand_id: self.brand.clone(),
            task_id: self.task_id.clone(),
            image_generation_type: self.kind.clone(),
            task_state: self.state.clone(),
            combine_image_result: result.clone().filter(|_| combine),
            cut_out_result: result.filter(|_| !combine),
        }
    }
}

/// The pictures and tasks of the world.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Media {
    #[serde(with = "crate::json::vec")]
    images: Vec<Image>,
    #[serde(skip)]
    by_url: HashMap<String, usize>,
    tasks: Vec<Task>,
    /// (brand, task_id) → index in `tasks`.
    #[serde(skip)]
    by_id: HashMap<(String, String), u32>,
    /// PROCESSING tasks by (due, index): the clock may move back, so creation order is not
    /// due order.
    #[serde(skip)]
    pending: BTreeSet<(i64, u32)>,
}

/// The URL of uploaded bytes: `…/mock/<first 32 hex digits of SHA-256>/0` (`/0` is qpic's
/// original-size suffix).
pub(crate) fn upload_url(sha256: &str) -> String {
    format!("{URL_PREFIX}/{}/0", sha256.get(..32).unwrap_or(sha256))
}

impl Media {
    /// Stores an upload; returns its URL and whether the bytes are new.
    pub(crate) fn upload(
        &mut self,
        request: &UploadImageRequest,
        caller: &Actor,
        now: i64,
    ) -> (String, bool) {
        let sha256 = sha256_hex(request.file());
        let url = upload_url(&sha256);
        if let Some(&i) = self.by_url.get(&url)
            && let Some(image) = self.images.get_mut(i)
        {
            image.uploads = image.uploads.map(|n| n.saturating_add(1));
            return (url, false);
        }
        self.add(Image {
            media_url: url.clone(),
            source: "upload".into(),
            sha256: Some(sha256),
            filename: Some(request.filename().to_owned()),
            content_type: request.content_type().map(str::to_owned),
            size: Some(request.file().len()),
            uploads: Some(1),
            task_id: None,
            by: caller.label(),
            create_time: time(now),
        });
        (url, true)
    }

    fn add(&mut self, image: Image) {
        self.by_url
            .insert(image.media_url.clone(), self.images.len());
        self.images.push(image);
    }

    /// Whether `url` is a picture of the emulator (uploaded or generated): the only URLs
    /// the operations that take pictures accept.
    pub(crate) fn knows_url(&self, url: &str) -> bool {
        self.by_url.contains_key(url)
    }

    pub(crate) fn images(&self) -> &[Image] {
        &self.images
    }

    pub(crate) fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    pub(crate) fn task(&self, index: u32) -> Option<&Task> {
        self.tasks.get(index as usize)
    }

    /// The task `task_id` of `brand`.
    pub(crate) fn find(&self, brand: &str, task_id: &str) -> Option<u32> {
        self.by_id
            .get(&(brand.to_owned(), task_id.to_owned()))
            .copied()
    }

    /// Takes a new task (the caller checked that `(brand, task_id)` is unused).
    pub(crate) fn create(
        &mut self,
        request: &CreateImageGenerationTaskRequest,
        brand: &str,
        creator: &Actor,
        now: i64,
    ) -> u32 {
        let fails = request
            .cut_out
            .as_ref()
            .is_some_and(|cut| !self.knows_url(&cut.image_url));
        let index = u32::try_from(self.tasks.len()).unwrap_or(u32::MAX);
        let due = now.saturating_add(TASK_SECS);
        self.tasks.push(Task {
            brand: brand.to_owned(),
            task_id: request.task_id().to_owned(),
            kind: request.image_generation_type().clone(),
            state: TaskState::Processing,
            creator: (creator.mode, creator.id.clone()),
            create_time: now,
            due,
            fails,
            result_url: None,
        });
        self.by_id
            .insert((brand.to_owned(), request.task_id().to_owned()), index);
        self.pending.insert((due, index));
        index
    }

    /// Finishes task `index` if it is due; returns its callback.
    pub(crate) fn finish_if_due(&mut self, index: u32, now: i64) -> Option<Event> {
        let due = self.task(index)?.due;
        if due > now || !self.pending.remove(&(due, index)) {
            return None;
        }
        self.finish(index)
    }

    /// Finishes up to `limit` due tasks; returns each one's creator and callback.
    pub(crate) fn finish_due(&mut self, now: i64, limit: usize) -> Vec<((Mode, String), Event)> {
        let mut done = Vec::new();
        while done.len() < limit
            && let Some(&(due, index)) = self.pending.first()
            && due <= now
        {
            self.pending.remove(&(due, index));
            if let Some(event) = self.finish(index)
                && let Some(task) = self.task(index)
            {
                done.push((task.creator.clone(), event));
            }
        }
        done
    }

    /// PROCESSING → SUCCESS (its image becomes known) or FAIL; the callback of the change.
    fn finish(&mut self, index: u32) -> Option<Event> {
        let task = self.tasks.get_mut(index as usize)?;
        if task.state != TaskState::Processing {
            return None;
        }
        if task.fails {
            task.state = TaskState::Fail;
        } else {
            task.state = TaskState::Success;
            let digest = digest16(
                format!("{}\n{}\n{}", task.brand, task.task_id, task.kind.as_str()).as_bytes(),
            );
            let url = format!("{URL_PREFIX}/generated/{}/0", hex(&digest));
            task.result_url = Some(url.clone());
            let image = Image {
                media_url: url,
                source: "task".into(),
                sha256: None,
                filename: None,
                content_type: None,
                size: None,
                uploads: None,
                task_id: Some(task.task_id.clone()),
                by: format!("brand {}", task.brand),
                create_time: time(task.due),
            };
            self.add(image);
        }
        let entity = self.task(index)?.entity();
        let result = |r: Option<GeneratedImage>| {
            r.map(|r| ImageResult {
                image_url: r.image_url,
            })
        };
        Some(Event::ImageGenerated(Box::new(ImageGenerationEvent {
            brand_id: Some(entity.brand_id),
            task_id: entity.task_id,
            image_generation_type: entity.image_generation_type.as_str().to_owned(),
            task_state: entity.task_state.as_str().to_owned(),
            combine_image_result: result(entity.combine_image_result),
            cut_out_result: result(entity.cut_out_result),
        })))
    }

    /// Rebuilds the indexes (after a snapshot was read).
    pub(crate) fn reindex(&mut self) {
        self.by_url = self
            .images
            .iter()
            .enumerate()
            .map(|(i, image)| (image.media_url.clone(), i))
            .collect();
        self.by_id = HashMap::new();
        self.pending = BTreeSet::new();
        for (i, task) in self.tasks.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            self.by_id
                .insert((task.brand.clone(), task.task_id.clone()), i);
            if task.state == TaskState::Processing {
                self.pending.insert((task.due, i));
            }
        }
    }
}

fn time(unix: i64) -> WxTime {
    WxTime::from_unix_clamped(unix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::dev;

    #[test]
    fn a_task_finishes_once_when_due_whoever_asks() {
        let caller = &Actor::new(
            Mode::Partner,
            dev::MCHID,
            vec![dev::BRAND_ID.into()],
            vec![],
            true,
        );
        let mut media = Media::default();
        let request = CreateImageGenerationTaskRequest::new("task_1", ImageGenerationType::CutOut)
            .with_cut_out(wxpay_models::media::CutOut {
                image_url: format!("{URL_PREFIX}/unknown/0"),
            });
        let i = media.create(&request, dev::BRAND_ID, caller, 100);
        assert!(media.finish_due(102, 10).is_empty());
        assert!(media.finish_if_due(i, 102).is_none());
        assert_eq!(media.finish_due(103, 10).len(), 1);
        assert!(media.finish_due(1000, 10).is_empty());
        assert!(media.finish_if_due(i, 1000).is_none());
        let task = media.task(i).map(Task::entity).unwrap_or_default();
        assert_eq!(
            (task.task_state, task.cut_out_result),
            (TaskState::Fail, None)
        );
    }

    #[test]
    fn the_clock_moving_back_does_not_hold_up_earlier_due_tasks() {
        let caller = &Actor::new(
            Mode::Partner,
            dev::MCHID,
            vec![dev::BRAND_ID.into()],
            vec![],
            true,
        );
        let mut media = Media::default();
        let task =
            |id: &str| CreateImageGenerationTaskRequest::new(id, ImageGenerationType::CombineImage);
        media.create(&task("late_1"), dev::BRAND_ID, caller, 1000);
        let early = media.create(&task("early_1"), dev::BRAND_ID, caller, 10);
        let done = media.finish_due(20, 1);
        assert_eq!(done.len(), 1);
        assert_eq!(
            media.task(early).map(|t| t.state.clone()),
            Some(TaskState::Success)
        );
        assert!(
            media.knows_url(
                media
                    .task(early)
                    .and_then(|t| t.result_url.as_deref())
                    .unwrap_or_default()
            )
        );
    }
}
