//! A real S3-protocol server for the S3 storage backend's tests: moto's server mode (from
//! PyPI, installed by `.ci/run`), one process per test app, on 127.0.0.1, killed with it.

use std::process::Stdio;
use std::time::Duration;

pub struct S3Server {
    child: std::process::Child,
    pub endpoint: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
}

impl S3Server {
    pub async fn start() -> S3Server {
        let port = super::bin::free_port();
        let child = std::process::Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server (pip install 'moto[server]')");
        let endpoint = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "moto_server did not listen on {endpoint}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // moto does not verify signatures (its IAM mode cannot read presigned URLs); the
        // keys only have to be well-formed. object_store signs as for AWS either way.
        let (access_key, secret_key) = (
            "AKIAIOSFODNN7EXAMPLE".to_string(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_string(),
        );
        let bucket = "lectern-test".to_string();
        let r = http
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .await
            .expect("CreateBucket");
        assert!(r.status().is_success(), "CreateBucket: {}", r.status());
        S3Server {
            child,
            endpoint,
            bucket,
            access_key,
            secret_key,
        }
    }

    /// `LECTERN_STORAGE_URL` for this server's bucket.
    pub fn storage_url(&self) -> String {
        format!(
            "s3://{}?endpoint={}&region=us-east-1",
            self.bucket, self.endpoint
        )
    }

    /// Stops the server (an outage); the app's next storage call fails.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.kill();
    }
}
