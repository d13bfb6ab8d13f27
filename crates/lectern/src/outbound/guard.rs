//! Where a webhook may go (SSRF): an endpoint's URL is parsed into [`Target`], its host
//! resolved, and every address checked against the ranges a server must not be made to
//! reach for somebody else — loopback, private, link-local (the cloud metadata address),
//! CGNAT, unique-local, multicast, unspecified, and IPv4 addresses hidden in IPv6 — unless
//! the school's admin ticked "allow private addresses" for that endpoint. Checked when
//! the endpoint is saved (a form error) and again before every delivery, which then
//! connects to exactly the addresses checked (no second lookup a rebinding DNS could
//! answer differently).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Longest URL accepted.
pub const MAX_URL: usize = 2000;

/// Why a URL is refused, each a form error of its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not an absolute http(s) URL")]
    Invalid,
    #[error("only https (http only with private addresses allowed)")]
    Scheme,
    #[error("user name or password in the URL")]
    Credentials,
    #[error("the host could not be resolved")]
    Unresolved,
    #[error("the host is a private, loopback or reserved address")]
    Private,
}

impl UrlError {
    /// The Fluent key of the form error.
    pub fn key(&self) -> &'static str {
        match self {
            UrlError::Invalid => "outbound-error-url",
            UrlError::Scheme => "outbound-error-scheme",
            UrlError::Credentials => "outbound-error-credentials",
            UrlError::Unresolved => "outbound-error-unresolved",
            UrlError::Private => "outbound-error-private",
        }
    }
}

/// A URL that passed the checks that need no network.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: url::Url,
    pub host: String,
    pub port: u16,
}

/// Parses and checks what needs no lookup: absolute, http(s) (plain http only for an
/// endpoint that allows private addresses: a receiver inside the operator's network),
/// no credentials, a host, at most [`MAX_URL`] characters.
pub fn parse(raw: &str, allow_private: bool) -> Result<Target, UrlError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().count() > MAX_URL || raw.chars().any(char::is_control) {
        return Err(UrlError::Invalid);
    }
    let url = url::Url::parse(raw).map_err(|_| UrlError::Invalid)?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Err(UrlError::Scheme),
        _ => return Err(UrlError::Invalid),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Credentials);
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        _ => return Err(UrlError::Invalid),
    };
    let port = url.port_or_known_default().ok_or(UrlError::Invalid)?;
    Ok(Target { url, host, port })
}

/// The addresses to connect to: the host resolved (an IP literal is itself), every one of
/// them allowed. One forbidden address refuses the whole host: a name that answers with
/// a public and a private address is not trusted with either.
pub async fn resolve(target: &Target, allow_private: bool) -> Result<Vec<SocketAddr>, UrlError> {
    let addrs: Vec<SocketAddr> = if let Ok(ip) = target.host.parse::<IpAddr>() {
        vec![SocketAddr::new(ip, target.port)]
    } else {
        let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
        match tokio::time::timeout(std::time::Duration::from_secs(5), lookup).await {
            Ok(Ok(a)) => a.collect(),
            _ => return Err(UrlError::Unresolved),
        }
    };
    if addrs.is_empty() {
        return Err(UrlError::Unresolved);
    }
    if !allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(UrlError::Private);
    }
    Ok(addrs)
}

/// Whether `ip` is an address on the public internet a webhook may be sent to.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64
            // (64:ff9b::/96) addresses reach the IPv4 address inside.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            if s[..6] == [0, 0, 0, 0, 0, 0] && !v6.is_loopback() && !v6.is_unspecified() {
                return is_public_v4(Ipv4Addr::new(
                    (s[6] >> 8) as u8,
                    s[6] as u8,
                    (s[7] >> 8) as u8,
                    s[7] as u8,
                ));
            }
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                return is_public_v4(Ipv4Addr::new(
                    (s[6] >> 8) as u8,
                    s[6] as u8,
                    (s[7] >> 8) as u8,
                    s[7] as u8,
                ));
            }
            is_public_v6(v6)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_loopback()          // 127/8
        || ip.is_private()      // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local()   // 169.254/16, the metadata address among them
        || ip.is_multicast()    // 224/4
        || ip.is_broadcast()
        || ip.is_documentation()
        || o[0] == 0                                  // 0/8 "this network", 0.0.0.0
        || (o[0] == 100 && (o[1] & 0xc0) == 64)       // 100.64/10 CGNAT
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)    // 192.0.0/24 protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18)       // 198.18/15 benchmarking
        || o[0] >= 240) // 240/4 reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_loopback()                      // ::1
        || ip.is_unspecified()              // ::
        || ip.is_multicast()                // ff00::/8
        || (s[0] & 0xfe00) == 0xfc00        // fc00::/7 unique local
        || (s[0] & 0xffc0) == 0xfe80        // fe80::/10 link-local
        || (s[0] & 0xffc0) == 0xfec0        // fec0::/10 site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8)) // documentation
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn private_loopback_and_reserved_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.1.2.3",
            "::127.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!public(ip), "{ip} counted as public");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(public(ip), "{ip} counted as private");
        }
    }

    #[test]
    fn urls_need_https_a_host_and_no_credentials() {
        assert!(parse("https://example.com/hook", false).is_ok());
        assert_eq!(
            parse("http://example.com/hook", false).unwrap_err(),
            UrlError::Scheme
        );
        assert!(parse("http://127.0.0.1:9/hook", true).is_ok());
        assert_eq!(
            parse("ftp://example.com", true).unwrap_err(),
            UrlError::Invalid
        );
        assert_eq!(parse("not a url", false).unwrap_err(), UrlError::Invalid);
        assert_eq!(parse("", false).unwrap_err(), UrlError::Invalid);
        assert_eq!(
            parse("https://u:p@example.com/", false).unwrap_err(),
            UrlError::Credentials
        );
        let t = parse("https://[::1]:8443/x", true).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 8443));
    }

    /// What an admin reads for a URL that is not one says the whole rule of [`parse`]:
    /// https://, or plain http:// once the form's box for private addresses is ticked,
    /// named as the form labels it, in every language.
    #[test]
    fn the_url_message_says_when_plain_http_is_accepted() {
        for lang in crate::i18n::supported() {
            let tr = crate::i18n::Tr::new(&lang);
            let message = tr.t(UrlError::Invalid.key());
            let label = tr.t("outbound-allow-private");
            let the_box = label.split(" (").next().unwrap();
            assert!(
                message.contains("https://") && message.contains("http://"),
                "{lang}: {message}"
            );
            assert!(message.contains(the_box), "{lang}: {message} / {the_box}");
        }
    }
}
