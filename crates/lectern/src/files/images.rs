//! Images are decoded and encoded again, never stored as sent: whatever rode along in the
//! file (scripts in a polyglot, metadata, a second image) is gone, and the decoder's
//! limits bound what a decompression bomb could allocate.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use super::Purpose;

/// Widths a cover is kept in (never wider than it came).
pub const COVER_WIDTHS: [u32; 3] = [400, 800, 1600];
const LOGO_MAX: u32 = 512;
const FAVICON: u32 = 64;
const POST_MAX: u32 = 1600;
/// No side longer than this, and no more than this many bytes allocated, while decoding.
const MAX_SIDE: u32 = 12_000;
const MAX_ALLOC: u64 = 512 << 20;

/// Why an image was refused ([`ImageError::message`] in the uploader's language,
/// `Display` in English).
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{}", self.message(&crate::i18n::Tr::default()))]
    Unreadable,
}

impl ImageError {
    pub fn message(&self, tr: &crate::i18n::Tr) -> String {
        match self {
            // The side as plain digits, as the English message has always written it.
            ImageError::Unreadable => tr.t1("upload-error-image", "max", MAX_SIDE.to_string()),
        }
    }
}

/// What an upload becomes: the objects to store and the type they share.
pub struct Encoded {
    /// The main object (`None`) and each extra width (`Some(w)`), with its bytes.
    pub objects: Vec<(Option<u32>, Vec<u8>)>,
    pub content_type: &'static str,
    /// Extra widths kept (covers).
    pub widths: Vec<u32>,
}

/// Decodes `bytes` and encodes what `purpose` keeps. CPU-bound: call it off the async
/// threads.
pub fn reencode(purpose: Purpose, bytes: &[u8]) -> Result<Encoded, ImageError> {
    let img = decode(bytes)?;
    match purpose {
        Purpose::Cover => {
            let mut widths: Vec<u32> = COVER_WIDTHS
                .into_iter()
                .filter(|w| *w < img.width())
                .collect();
            let main = fit(&img, *COVER_WIDTHS.last().unwrap_or(&1600), u32::MAX);
            if widths.is_empty() || main.width() > *widths.last().unwrap_or(&0) {
                // The main object is the widest kept width.
                widths.push(main.width());
            }
            widths.dedup();
            let mut objects = vec![(None, jpeg(&main)?)];
            for w in &widths {
                if *w != main.width() {
                    objects.push((Some(*w), jpeg(&fit(&img, *w, u32::MAX))?));
                }
            }
            Ok(Encoded {
                objects,
                content_type: "image/jpeg",
                widths,
            })
        }
        Purpose::Favicon => Ok(Encoded {
            objects: vec![(None, png(&fit(&img, FAVICON, FAVICON))?)],
            content_type: "image/png",
            widths: Vec::new(),
        }),
        // A post's picture: readable on a page, no larger. A photo stays a JPEG (a PNG
        // of it would be several times the size); anything else becomes a PNG (an
        // animated GIF keeps its first frame).
        Purpose::Discussion => {
            let img = fit(&img, POST_MAX, POST_MAX);
            let photo = matches!(image::guess_format(bytes), Ok(ImageFormat::Jpeg));
            Ok(Encoded {
                objects: vec![(None, if photo { jpeg(&img)? } else { png(&img)? })],
                content_type: if photo { "image/jpeg" } else { "image/png" },
                widths: Vec::new(),
            })
        }
        _ => Ok(Encoded {
            objects: vec![(None, png(&fit(&img, LOGO_MAX, LOGO_MAX))?)],
            content_type: "image/png",
            widths: Vec::new(),
        }),
    }
}

fn decode(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| ImageError::Unreadable)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    reader.decode().map_err(|_| ImageError::Unreadable)
}

/// Scaled down to fit `max_w` × `max_h`, never up.
fn fit(img: &DynamicImage, max_w: u32, max_h: u32) -> DynamicImage {
    if img.width() <= max_w && img.height() <= max_h {
        return img.clone();
    }
    img.resize(max_w, max_h, image::imageops::FilterType::Lanczos3)
}

fn png(img: &DynamicImage) -> Result<Vec<u8>, ImageError> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .map_err(|_| ImageError::Unreadable)?;
    Ok(out.into_inner())
}

fn jpeg(img: &DynamicImage) -> Result<Vec<u8>, ImageError> {
    // JPEG has no alpha: flatten first.
    let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82);
    rgb.write_with_encoder(enc)
        .map_err(|_| ImageError::Unreadable)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::new_rgba8(w, h);
        png(&img).unwrap()
    }

    #[test]
    fn a_cover_is_kept_in_each_smaller_width() {
        let e = reencode(Purpose::Cover, &png_of(1000, 500)).unwrap();
        assert_eq!(e.widths, vec![400, 800, 1000]);
        assert_eq!(e.content_type, "image/jpeg");
        let main = image::load_from_memory(&e.objects[0].1).unwrap();
        assert_eq!((main.width(), main.height()), (1000, 500));
        let w400 = e.objects.iter().find(|o| o.0 == Some(400)).unwrap();
        assert_eq!(image::load_from_memory(&w400.1).unwrap().width(), 400);
    }

    #[test]
    fn logos_shrink_to_fit_and_favicons_to_64() {
        let logo = reencode(Purpose::Logo, &png_of(2000, 1000)).unwrap();
        let img = image::load_from_memory(&logo.objects[0].1).unwrap();
        assert_eq!((img.width(), img.height()), (512, 256));
        let fav = reencode(Purpose::Favicon, &png_of(300, 300)).unwrap();
        let img = image::load_from_memory(&fav.objects[0].1).unwrap();
        assert_eq!((img.width(), img.height()), (64, 64));
    }

    #[test]
    fn a_damaged_or_gigantic_image_is_refused() {
        let mut broken = png_of(10, 10);
        broken.truncate(30);
        assert!(reencode(Purpose::Logo, &broken).is_err());
        // A PNG header announcing 100,000 × 100,000 pixels: refused before allocating.
        let mut bomb = png_of(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(reencode(Purpose::Logo, &bomb).is_err());
    }
}
