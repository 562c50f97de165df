//! Applicants' documents (ID copy, payslips, bank statements, proof of address): streamed into
//! object storage (a local folder by default, S3-compatible storage in production; DESIGN.md
//! decision 6) without holding a whole file in memory, with the type detected from the content,
//! a size limit, the SHA-256 computed on the way, and the metadata recorded in PostgreSQL.
//!
//! PRODUCT.md (journey step 4): uploads are checked for type, size and readability, and survive a
//! flaky connection: a repeated or resumed upload of the same file is the same document
//! (idempotent by application and SHA-256). The web portal and the partner API both use
//! [`DocumentStore`].

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use pocket_store::StoreError;
use pocket_store::documents::{self, Added, Document, DocumentKind, NewDocument};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

/// The default largest accepted file: 10 MiB (the schema allows up to 20 MiB,
/// `document_size_check`).
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// The hard ceiling of the schema's `document_size_check` (20 MiB).
pub const SCHEMA_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// Part size of multipart writes: the S3 minimum for every part but the last (5 MiB), so the
/// memory one upload holds is bounded by a couple of parts whatever the file's size.
const PART_BYTES: usize = 5 * 1024 * 1024;

/// How many bytes of the end of a file are kept to check its end marker.
const TAIL_BYTES: usize = 1024;

/// The file types accepted, detected from their first bytes ("magic numbers").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Webp,
    Heic,
}

impl FileType {
    /// The media type recorded (the `document_content_type_check` list).
    pub fn media_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Webp => "image/webp",
            FileType::Heic => "image/heic",
        }
    }

    /// A plain name for messages to people.
    pub fn label(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Jpeg => "JPEG photo",
            FileType::Png => "PNG image",
            FileType::Webp => "WebP image",
            FileType::Heic => "HEIC photo",
        }
    }

    /// How many leading bytes [`FileType::sniff`] needs to decide.
    pub const SNIFF_BYTES: usize = 12;

    /// The type of a file from its first bytes, whatever its name or declared type says.
    /// `None` for anything else (including text, HTML, executables and archives).
    pub fn sniff(head: &[u8]) -> Option<FileType> {
        // PDF 1.7 (ISO 32000-1) 7.5.2: the file starts with "%PDF-".
        if head.starts_with(b"%PDF-") {
            return Some(FileType::Pdf);
        }
        // JPEG (ITU T.81): SOI marker FF D8 followed by another marker.
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some(FileType::Jpeg);
        }
        // PNG (RFC 2083) 3.1: the 8-byte signature.
        if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            return Some(FileType::Png);
        }
        // WebP: a RIFF container whose form type is "WEBP".
        if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            return Some(FileType::Webp);
        }
        // HEIF (ISO/IEC 23008-12): an ISO BMFF "ftyp" box with a HEIF brand.
        if head.len() >= 12 && &head[4..8] == b"ftyp" {
            let brand = &head[8..12];
            const HEIF_BRANDS: [&[u8; 4]; 8] =
                [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"];
            if HEIF_BRANDS.iter().any(|b| brand == *b) {
                return Some(FileType::Heic);
            }
        }
        None
    }

    /// Whether the end of the file carries the type's end marker, so a file cut short (an
    /// interrupted upload) or a file that only starts like a PDF is refused as unreadable.
    fn ends_well(self, tail: &[u8]) -> bool {
        match self {
            // PDF 1.7 7.5.5: the last line of the file is "%%EOF" (trailing whitespace allowed).
            FileType::Pdf => contains(tail, b"%%EOF"),
            // JPEG: the EOI marker FF D9 (some cameras append a few bytes after it).
            FileType::Jpeg => contains(tail, &[0xFF, 0xD9]),
            // PNG: the IEND chunk closes the file.
            FileType::Png => contains(tail, b"IEND"),
            // Container formats without an end marker: the size checks below are what we have.
            FileType::Webp | FileType::Heic => true,
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The name an applicant's file is shown by: the last path component only (a name like
/// `../../etc/passwd` becomes `passwd`), without control characters, at most 100 characters.
/// The name is never used to build a storage path.
pub fn display_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(100).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() { "upload".to_string() } else { cleaned }
}

/// Why a document was not stored. Each variant but the last three is the applicant's to fix.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// Not a PDF, JPEG, PNG, WebP or HEIC file, whatever its name says.
    #[error("the file is not a PDF or a photo")]
    UnsupportedType,
    /// Starts like a known type but does not end like one (cut short or not what it claims).
    #[error("the {} file is damaged or incomplete", .0.label())]
    Unreadable(FileType),
    /// The upload's body failed (the connection dropped): nothing was recorded.
    #[error("the upload was interrupted")]
    Interrupted(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("document storage failed")]
    Storage(#[from] object_store::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DocumentError {
    /// Whether the applicant (not the platform) must act: a different file or a retry.
    pub fn is_applicants(&self) -> bool {
        !matches!(self, DocumentError::Storage(_) | DocumentError::Store(_))
    }
}

/// What is being uploaded, apart from its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub application_id: Uuid,
    pub kind: DocumentKind,
    /// The file name as the client sent it; only [`display_name`] of it is kept.
    pub file_name: String,
}

/// What [`DocumentStore::store`] recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub document_id: Uuid,
    pub file_type: FileType,
    pub size_bytes: u64,
    /// Lowercase hex.
    pub sha256: String,
    /// False when the application already held this very file (a repeated upload): nothing new
    /// was written and the earlier document is returned.
    pub created: bool,
}

/// Documents in object storage with their metadata in PostgreSQL. Cheap to clone.
#[derive(Clone)]
pub struct DocumentStore {
    objects: Arc<dyn ObjectStore>,
    max_bytes: u64,
}

impl fmt::Debug for DocumentStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocumentStore")
            .field("objects", &self.objects.to_string())
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

impl DocumentStore {
    /// Over any object store, with the [`DEFAULT_MAX_BYTES`] limit.
    pub fn new(objects: Arc<dyn ObjectStore>) -> DocumentStore {
        DocumentStore { objects, max_bytes: DEFAULT_MAX_BYTES }
    }

    /// The object store for a location setting: `s3://bucket[/prefix]` (credentials, region and
    /// endpoint from the standard `AWS_*` variables) or a local folder, created if missing.
    pub fn from_location(location: &str) -> Result<DocumentStore, DocumentError> {
        let objects: Arc<dyn ObjectStore> = if let Some(rest) = location.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let s3 =
                object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket).build()?;
            let prefix = prefix.trim_matches('/');
            if prefix.is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
            }
        } else {
            std::fs::create_dir_all(location).map_err(|source| object_store::Error::Generic {
                store: "LocalFileSystem",
                source: Box::new(source),
            })?;
            Arc::new(object_store::local::LocalFileSystem::new_with_prefix(location)?)
        };
        Ok(DocumentStore::new(objects))
    }

    /// The same store with another size limit (at most [`SCHEMA_MAX_BYTES`]).
    pub fn with_max_bytes(mut self, max_bytes: u64) -> DocumentStore {
        self.max_bytes = max_bytes.min(SCHEMA_MAX_BYTES);
        self
    }

    /// The largest file accepted, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Streams `body` into object storage and records the document: the type is detected from
    /// the first bytes (before anything is written), the size is limited while reading, the
    /// SHA-256 is computed on the way, and a file the application already holds is not stored
    /// twice (the earlier document comes back with `created: false`). On any failure nothing
    /// stays behind: the partial object is aborted or deleted and no row is written.
    ///
    /// The database is used only at the end, so no connection is held while the client sends.
    pub async fn store<S, E>(
        &self,
        db: &PgPool,
        upload: &Upload,
        body: S,
    ) -> Result<Stored, DocumentError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut body = std::pin::pin!(body);
        // The head: enough bytes to know the type; nothing is written before that.
        let mut head: Vec<u8> = Vec::with_capacity(FileType::SNIFF_BYTES);
        let mut pending: Vec<Bytes> = Vec::new();
        while head.len() < FileType::SNIFF_BYTES {
            match body.next().await {
                Some(Ok(chunk)) => {
                    let take = (FileType::SNIFF_BYTES - head.len()).min(chunk.len());
                    head.extend_from_slice(&chunk[..take]);
                    pending.push(chunk);
                }
                Some(Err(e)) => return Err(DocumentError::Interrupted(e.into())),
                None => break,
            }
        }
        if head.is_empty() {
            return Err(DocumentError::Empty);
        }
        let file_type = FileType::sniff(&head).ok_or(DocumentError::UnsupportedType)?;

        let storage_key = format!("documents/{}/{}", upload.application_id, Uuid::new_v4());
        let path = Path::from(storage_key.as_str());
        let mut writer = WriteMultipart::new_with_chunk_size(
            self.objects.put_multipart(&path).await?,
            PART_BYTES,
        );
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut tail: Vec<u8> = Vec::with_capacity(2 * TAIL_BYTES);
        let outcome: Result<(), DocumentError> = async {
            let mut feed = |chunk: &Bytes, writer: &mut WriteMultipart| {
                size += chunk.len() as u64;
                if size > self.max_bytes {
                    return Err(DocumentError::TooLarge { limit: self.max_bytes });
                }
                hasher.update(chunk);
                writer.write(chunk);
                tail.extend_from_slice(chunk);
                if tail.len() > 2 * TAIL_BYTES {
                    tail.drain(..tail.len() - TAIL_BYTES);
                }
                Ok(())
            };
            for chunk in pending.drain(..) {
                feed(&chunk, &mut writer)?;
            }
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| DocumentError::Interrupted(e.into()))?;
                // Back-pressure: at most two parts in flight, so memory stays bounded.
                writer.wait_for_capacity(2).await?;
                feed(&chunk, &mut writer)?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = outcome {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(error = %abort, "aborting a refused upload failed");
            }
            return Err(e);
        }
        let tail_start = tail.len().saturating_sub(TAIL_BYTES);
        if !file_type.ends_well(&tail[tail_start..]) {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(error = %abort, "aborting a refused upload failed");
            }
            return Err(DocumentError::Unreadable(file_type));
        }
        writer.finish().await?;
        let sha256 = hex::encode(hasher.finalize());

        let new = NewDocument {
            application_id: upload.application_id,
            kind: upload.kind,
            storage_key: storage_key.clone(),
            file_name: display_name(&upload.file_name),
            size_bytes: i64::try_from(size).unwrap_or(i64::MAX),
            content_type: file_type.media_type().to_string(),
            sha256: sha256.clone(),
        };
        let added = async {
            let mut conn = db.acquire().await.map_err(StoreError::from)?;
            documents::add_once(&mut conn, &new).await
        }
        .await;
        let (document_id, created) = match added {
            Ok(Added::New(id)) => (id, true),
            Ok(Added::Existing(id)) => {
                self.remove_quietly(&path).await;
                (id, false)
            }
            Err(e) => {
                self.remove_quietly(&path).await;
                return Err(e.into());
            }
        };
        Ok(Stored { document_id, file_type, size_bytes: size, sha256, created })
    }

    async fn remove_quietly(&self, path: &Path) {
        if let Err(e) = self.objects.delete(path).await {
            tracing::warn!(error = %e, "deleting an unneeded upload failed");
        }
    }

    /// One document of one application with a stream of its bytes (`NotFound` when the document
    /// belongs to another application).
    pub async fn open(
        &self,
        db: &PgPool,
        application_id: Uuid,
        document_id: Uuid,
    ) -> Result<(Document, BoxStream<'static, Result<Bytes, DocumentError>>), DocumentError> {
        let document = {
            let mut conn = db.acquire().await.map_err(StoreError::from)?;
            documents::get_for_application(&mut conn, application_id, document_id).await?
        };
        let found = self.objects.get(&Path::from(document.storage_key.as_str())).await?;
        let stream = found.into_stream().map(|r| r.map_err(DocumentError::from)).boxed();
        Ok((document, stream))
    }
}

/// What reading a stored document back for an officer found ([`DocumentStore::read_back`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadBack {
    /// The bytes are the ones recorded: same size, same SHA-256, and of the recorded type.
    Intact(Bytes),
    /// The object is not in storage.
    Missing,
    /// The record is larger than the largest file ever accepted ([`SCHEMA_MAX_BYTES`]).
    TooLarge,
    /// The stored bytes are not those recorded (size, SHA-256 or type differ): never shown.
    Altered,
}

impl DocumentStore {
    /// Reads a recorded document back whole and checks it against its record: at most
    /// [`SCHEMA_MAX_BYTES`] and never more than the recorded size are read, the SHA-256 must be
    /// the recorded one, and the content must be of the recorded type.
    pub async fn read_back(&self, document: &Document) -> Result<ReadBack, DocumentError> {
        let recorded = u64::try_from(document.size_bytes).unwrap_or(u64::MAX);
        if recorded > SCHEMA_MAX_BYTES {
            return Ok(ReadBack::TooLarge);
        }
        let found = match self.objects.get(&Path::from(document.storage_key.as_str())).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(ReadBack::Missing),
            Err(e) => return Err(e.into()),
        };
        if found.meta.size != recorded {
            return Ok(ReadBack::Altered);
        }
        let mut stream = found.into_stream();
        let mut bytes: Vec<u8> = Vec::with_capacity(usize::try_from(recorded).unwrap_or(0));
        let mut hasher = Sha256::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            if (bytes.len() + chunk.len()) as u64 > recorded {
                return Ok(ReadBack::Altered);
            }
            hasher.update(&chunk);
            bytes.extend_from_slice(&chunk);
        }
        let sha256 = hex::encode(hasher.finalize());
        let head = &bytes[..bytes.len().min(FileType::SNIFF_BYTES)];
        let sniffed = FileType::sniff(head).map(FileType::media_type);
        if bytes.len() as u64 != recorded
            || sha256 != document.sha256
            || sniffed != Some(document.content_type.as_str())
        {
            return Ok(ReadBack::Altered);
        }
        Ok(ReadBack::Intact(Bytes::from(bytes)))
    }
}
