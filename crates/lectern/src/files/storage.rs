//! The object store behind uploads: a local directory or an S3-compatible bucket, through
//! the `object_store` crate (its S3 client signs requests with SigV4; we write none of it).

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::signer::{SignedUrlOptions, Signer};
use object_store::{Attribute, Attributes, ObjectStore};

use crate::config::{StorageLocation, StorageSettings};

pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// The folder of the local backend: downloads read it directly, in large chunks
    /// (`object_store` reads local files 8 KiB at a time, each on a blocking thread).
    local_root: Option<std::path::PathBuf>,
    /// Set for S3: downloads are presigned redirects, the bytes don't pass through us.
    signer: Option<Arc<AmazonS3>>,
}

impl Storage {
    pub fn open(s: &StorageSettings) -> anyhow::Result<Storage> {
        match &s.location {
            StorageLocation::Local(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow::anyhow!("cannot create the storage folder {}: {e}", dir.display())
                })?;
                let fs = LocalFileSystem::new_with_prefix(dir)?;
                Ok(Storage {
                    store: Arc::new(fs),
                    local_root: Some(std::fs::canonicalize(dir)?),
                    signer: None,
                })
            }
            StorageLocation::S3 {
                bucket,
                endpoint,
                region,
            } => {
                let mut b = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region(region);
                if let Some((id, secret, token)) = &s.s3_credentials {
                    b = b.with_access_key_id(id).with_secret_access_key(secret);
                    if let Some(t) = token {
                        b = b.with_token(t);
                    }
                }
                // MinIO, Garage, a test server: path-style URLs on the endpoint.
                if let Some(e) = endpoint {
                    b = b
                        .with_endpoint(e)
                        .with_allow_http(e.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                let s3 = Arc::new(b.build()?);
                Ok(Storage {
                    store: s3.clone(),
                    local_root: None,
                    signer: Some(s3),
                })
            }
        }
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The file behind `key` with the local backend. Our keys are `<digits>/<hex>[.w<N>]`,
    /// which `LocalFileSystem` stores under the same relative path.
    pub fn local_file(&self, key: &str) -> Option<std::path::PathBuf> {
        let root = self.local_root.as_ref()?;
        let safe = !key.is_empty()
            && key.split('/').all(|seg| {
                !seg.is_empty()
                    && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
                    && seg != "."
                    && seg != ".."
            });
        safe.then(|| root.join(key))
    }

    pub fn is_s3(&self) -> bool {
        self.signer.is_some()
    }

    /// What an object carries for whoever reads it straight from the bucket (presigned
    /// downloads): its type and disposition. A local folder keeps no attributes; we send
    /// those headers ourselves.
    pub fn attributes(&self, content_type: &str, disposition: &str) -> Attributes {
        let mut a = Attributes::new();
        if self.is_s3() {
            a.insert(Attribute::ContentType, content_type.to_string().into());
            a.insert(
                Attribute::ContentDisposition,
                disposition.to_string().into(),
            );
        }
        a
    }

    /// A short-lived GET URL for `key` whose answer carries our type and disposition.
    pub async fn presign_get(
        &self,
        key: &str,
        ttl: Duration,
        content_type: &str,
        disposition: &str,
    ) -> anyhow::Result<Option<url::Url>> {
        let Some(signer) = &self.signer else {
            return Ok(None);
        };
        let mut opts = SignedUrlOptions::default();
        opts.extra_query = vec![
            ("response-content-type".into(), content_type.into()),
            ("response-content-disposition".into(), disposition.into()),
        ];
        let url = signer
            .signed_url_opts(
                object_store::signer::Method::GET,
                &Path::from(key),
                ttl,
                &opts,
            )
            .await?;
        Ok(Some(url))
    }
}
