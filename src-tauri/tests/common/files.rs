//! Real document files for the desktop's tests, built by hand so the tests need no binary
//! fixtures: a PNG image (RFC 2083, stored deflate blocks) and a one-page PDF with text (PDF 1.7,
//! ISO 32000-1, with a correct cross-reference table), stored through the same
//! `DocumentStore` the portal uses.

use std::path::Path;

use bytes::Bytes;
use pocket_store::documents::DocumentKind;
use pocket_workflows::documents::{DocumentStore, Upload};
use sqlx::PgPool;
use uuid::Uuid;

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1_u32, 0_u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// An RGB PNG of `width` x `height` whose pixels `paint` gives.
pub fn png(width: u32, height: u32, paint: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend_from_slice(&paint(x, y));
        }
    }
    // zlib stream of stored (uncompressed) deflate blocks of at most 65 535 bytes.
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap();
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, no interlace
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A picture of an ID card: a green card with a grey photo box and dark text lines.
pub fn id_card_png() -> Vec<u8> {
    png(480, 300, |x, y| {
        let photo = (30..170).contains(&x) && (60..240).contains(&y);
        let line = (200..450).contains(&x)
            && [80, 120, 160, 200].iter().any(|t| (*t..t + 12).contains(&y));
        if photo {
            [150, 150, 150]
        } else if line {
            [30, 40, 50]
        } else if y < 40 {
            [0, 110, 70]
        } else {
            [220, 240, 228]
        }
    })
}

/// A one-page PDF with the given lines of text.
pub fn pdf(lines: &[&str]) -> Vec<u8> {
    let mut text = String::from("BT /F1 18 Tf 72 760 Td 24 TL\n");
    for line in lines {
        let escaped = line.replace('\\', "\\\\").replace('(', "\\(").replace(')', "\\)");
        text.push_str(&format!("({escaped}) Tj T*\n"));
    }
    text.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{text}endstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Stores a file for an application through the portal's document store in `folder`.
pub async fn store(
    pool: &PgPool,
    folder: &Path,
    application_id: &str,
    kind: DocumentKind,
    name: &str,
    bytes: Vec<u8>,
) -> String {
    let documents = DocumentStore::from_location(folder.to_str().expect("a UTF-8 path"))
        .expect("the document folder");
    let upload = Upload {
        application_id: Uuid::parse_str(application_id).expect("an application id"),
        kind,
        file_name: name.to_owned(),
    };
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(bytes))]);
    let stored = documents.store(pool, &upload, body).await.expect("the document is stored");
    stored.document_id.to_string()
}

/// A fresh folder for a test's documents.
pub fn folder(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pocket-docs-{name}-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("the documents folder");
    dir
}
