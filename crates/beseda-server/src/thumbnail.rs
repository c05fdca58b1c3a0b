//! Thumbnails of uploaded images for the mobile SDKs' previews (`thumb=ios`, visitor-api.md
//! §14.2): a JPEG no larger than 300×300 that keeps the image's proportions.

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Longest side of a thumbnail, pixels.
pub const MAX_SIDE: u32 = 300;
/// Largest image decoded for a thumbnail, pixels per side (larger ones are served as they are).
const MAX_DECODED_SIDE: u32 = 12_000;
/// Memory a decoder may use, bytes.
const MAX_ALLOC: u64 = 512 * 1024 * 1024;
const QUALITY: u8 = 82;

/// The JPEG thumbnail of a JPEG or PNG image; `None` for other types or an image that does not
/// decode within the limits (the caller serves the original then).
pub fn jpeg(content_type: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    let format = match content_type {
        "image/jpeg" | "image/jpg" | "image/pjpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        _ => return None,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let image = reader.decode().ok()?;
    let small =
        if image.width() > MAX_SIDE || image.height() > MAX_SIDE { image.thumbnail(MAX_SIDE, MAX_SIDE) } else { image };
    let rgb = small.to_rgb8();
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, QUALITY).encode_image(&rgb).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GenericImageView, RgbImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).expect("png");
        out.into_inner()
    }

    #[test]
    fn large_images_shrink_to_fit_keeping_proportions() {
        let thumb = jpeg("image/png", &png(700, 501)).expect("thumbnail");
        let decoded = image::load_from_memory_with_format(&thumb, ImageFormat::Jpeg).expect("jpeg");
        assert_eq!(decoded.dimensions(), (300, 215));
    }

    #[test]
    fn small_images_keep_their_size_and_become_jpeg() {
        let thumb = jpeg("image/png", &png(40, 20)).expect("thumbnail");
        assert_eq!(&thumb[..2], b"\xff\xd8");
        assert_eq!(image::load_from_memory(&thumb).expect("jpeg").dimensions(), (40, 20));
    }

    #[test]
    fn other_types_and_broken_images_have_none() {
        assert!(jpeg("image/gif", b"GIF89a").is_none());
        assert!(jpeg("image/png", b"\x89PNG\r\n\x1a\nbroken").is_none());
        assert!(jpeg("application/pdf", b"%PDF").is_none());
    }
}
