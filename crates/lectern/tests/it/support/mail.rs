//! Just enough MIME to read what lettre sends: headers (unfolded), multipart bodies, and
//! the quoted-printable / base64 transfer encodings.

use base64::Engine;

#[derive(Debug, Clone, Default)]
pub struct Mail {
    pub headers: Vec<(String, String)>,
    /// The decoded `text/plain` part.
    pub text: Option<String>,
    /// The decoded `text/html` part.
    pub html: Option<String>,
    /// The decoded `text/calendar` part (an `.ics` attachment) and its content type.
    pub calendar: Option<String>,
    pub calendar_type: Option<String>,
}

impl Mail {
    pub fn parse(raw: &str) -> Mail {
        let mut mail = Mail::default();
        let (headers, body) = split_entity(raw);
        mail.headers = headers.clone();
        collect(&headers, body, &mut mail);
        mail
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The first `http(s)://…` URL in the text part that contains `needle`.
    pub fn link_containing(&self, needle: &str) -> Option<String> {
        let text = self.text.as_deref()?;
        text.split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .find(|w| (w.starts_with("http://") || w.starts_with("https://")) && w.contains(needle))
            .map(str::to_string)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Splits an entity into its unfolded headers and its body.
fn split_entity(raw: &str) -> (Vec<(String, String)>, &str) {
    let raw = raw.trim_start_matches(['\r', '\n']);
    let (head, body) = match raw.find("\r\n\r\n") {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => match raw.find("\n\n") {
            Some(i) => (&raw[..i], &raw[i + 2..]),
            None => (raw, ""),
        },
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    (headers, body)
}

fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

fn collect(headers: &[(String, String)], body: &str, mail: &mut Mail) {
    let ctype = header(headers, "content-type")
        .unwrap_or("text/plain")
        .to_string();
    let lower = ctype.to_ascii_lowercase();
    if lower.starts_with("multipart/") {
        let Some(boundary) = param(&ctype, "boundary") else {
            return;
        };
        let delim = format!("--{boundary}");
        for part in body.split(delim.as_str()).skip(1) {
            if part.starts_with("--") {
                break;
            }
            let (h, b) = split_entity(part);
            collect(&h, b, mail);
        }
        return;
    }
    let decoded = decode(
        header(headers, "content-transfer-encoding").unwrap_or("7bit"),
        body,
    );
    if lower.starts_with("text/plain") && mail.text.is_none() {
        mail.text = Some(decoded);
    } else if lower.starts_with("text/html") && mail.html.is_none() {
        mail.html = Some(decoded);
    } else if lower.starts_with("text/calendar") && mail.calendar.is_none() {
        mail.calendar = Some(decoded);
        mail.calendar_type = Some(ctype.clone());
    }
}

pub fn decode(encoding: &str, body: &str) -> String {
    match encoding.trim().to_ascii_lowercase().as_str() {
        "quoted-printable" => {
            let bytes =
                quoted_printable::decode(body.as_bytes(), quoted_printable::ParseMode::Robust)
                    .expect("quoted-printable body");
            String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
        }
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("base64 body");
            String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
        }
        _ => body.replace("\r\n", "\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_multipart_with_both_encodings() {
        let raw = "Subject: Hi\r\nContent-Type: multipart/alternative;\r\n boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGo to http://x.test/a=\r\nbc now =C3=A9\r\n--XX\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPGI+aGk8L2I+\r\n--XX--\r\n";
        let m = Mail::parse(raw);
        assert_eq!(m.header("subject"), Some("Hi"));
        assert_eq!(m.text.as_deref(), Some("Go to http://x.test/abc now é\n"));
        assert_eq!(m.html.as_deref(), Some("<b>hi</b>"));
        assert_eq!(
            m.link_containing("x.test").as_deref(),
            Some("http://x.test/abc")
        );
    }
}
