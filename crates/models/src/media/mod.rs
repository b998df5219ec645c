//! Pictures: upload (E33, multipart) and image generation tasks (E34, E35).

mod generation;
mod upload;

pub use generation::{
    CUT_OUT_HOST, CombineImage, CreateImageGenerationTaskRequest,
    CreateImageGenerationTaskResponse, CutOut, GeneratedImage, GetImageGenerationTaskRequest,
    ImageGenerationTaskEntity,
};
pub use upload::{ImageMeta, MAX_IMAGE_BYTES, MediaUrl, UploadImageRequest, sha256_hex};
