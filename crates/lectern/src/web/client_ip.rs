//! The client's address: the TCP peer, or — when the peer is one of the reverse proxies
//! listed in `LECTERN_TRUSTED_PROXIES` — the address those proxies forwarded. Throttles
//! count per client address: an address a client could choose would let it escape them,
//! and one address for everyone (the proxy's) would let a stranger slow everyone down.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderName, header};
use ipnet::{IpNet, Ipv6Net};

use crate::config::Config;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");

/// The client's IP address, as the throttles see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// What throttles count under: the IPv4 address, or the IPv6 /64 (a subscriber is
    /// given a whole /64 and may use any address in it).
    pub fn throttle_key(&self) -> String {
        match self.0 {
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => Ipv6Net::new(a, 64)
                .map(|n| n.trunc().to_string())
                .unwrap_or_else(|_| a.to_string()),
        }
    }
}

impl std::fmt::Display for ClientIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    Arc<Config>: FromRef<S>,
{
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let config = Arc::<Config>::from_ref(state);
        Ok(ClientIp(resolve(
            peer(&parts.extensions),
            &parts.headers,
            &config.trusted_proxies,
        )))
    }
}

/// The TCP peer of the request (the server records it for every connection).
pub fn peer(extensions: &Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical())
        .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED))
}

/// Whether the request names a forwarded client in any of the usual headers.
pub fn is_forwarded(headers: &HeaderMap) -> bool {
    [header::FORWARDED, X_FORWARDED_FOR, X_REAL_IP]
        .iter()
        .any(|h| headers.contains_key(h))
}

static WARNED_UNTRUSTED_FORWARDING: AtomicBool = AtomicBool::new(false);

/// The client's address. Forwarding headers count only when `peer` is a trusted proxy;
/// then the chain is read from the right (the hops our proxies appended) to the first
/// address that is not a trusted proxy: anything left of it the client wrote itself.
/// `X-Forwarded-For` and `Forwarded` are both understood; when a request carries both
/// and they disagree, one of them came from the client, and we cannot tell which: the
/// request is counted under the proxy's own address (which ordinary browsers never share).
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        if is_forwarded(headers) && !WARNED_UNTRUSTED_FORWARDING.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                %peer,
                "a request names a forwarded client, but its sender is not in LECTERN_TRUSTED_PROXIES; \
                 if {peer} is your reverse proxy, list it there, or every client behind it shares one \
                 address for sign-in throttles"
            );
        }
        return peer;
    }
    let pick = |hops: Vec<Option<IpAddr>>| {
        // Walk left while the hops are our own proxies; an unnamed hop ("unknown", an
        // obfuscated name) hides what is behind it, so the last proxy we reached answers.
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            match hop {
                Some(ip) => {
                    client = ip;
                    if !is_trusted(&ip) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    };
    match (x_forwarded_for(headers), forwarded(headers)) {
        (None, None) => peer,
        (Some(hops), None) | (None, Some(hops)) => pick(hops),
        (Some(a), Some(b)) => {
            let (a, b) = (pick(a), pick(b));
            if a == b { a } else { peer }
        }
    }
}

/// `X-Forwarded-For: client, proxy1, proxy2` (every such header, in order).
fn x_forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let values: Vec<_> = headers.get_all(X_FORWARDED_FOR).iter().collect();
    if values.is_empty() {
        return None;
    }
    let mut hops = Vec::new();
    for v in values {
        match v.to_str() {
            Ok(s) => hops.extend(
                s.split(',')
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .map(parse_node),
            ),
            Err(_) => hops.push(None),
        }
    }
    Some(hops)
}

/// RFC 7239: `Forwarded: for=192.0.2.60;proto=https, for="[2001:db8::17]:4711"`.
fn forwarded(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let values: Vec<_> = headers.get_all(header::FORWARDED).iter().collect();
    if values.is_empty() {
        return None;
    }
    let mut hops = Vec::new();
    for v in values {
        let Ok(s) = v.to_str() else {
            hops.push(None);
            continue;
        };
        for element in s.split(',').filter(|e| !e.trim().is_empty()) {
            let node = element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| value.trim())
            });
            hops.push(node.and_then(parse_node));
        }
    }
    Some(hops)
}

/// One hop: `192.0.2.60`, `192.0.2.60:4711`, `2001:db8::17`, `[2001:db8::17]:4711`, quoted
/// or not. `unknown`, obfuscated names (`_hidden`) and anything else are `None`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Some(rest) = node.strip_prefix('[') {
        let (ip, _) = rest.split_once(']')?;
        return ip
            .parse::<Ipv6Addr>()
            .ok()
            .map(|a| IpAddr::V6(a).to_canonical());
    }
    node.parse::<IpAddr>()
        .ok()
        .or_else(|| node.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // No proxy configured, or a different one: the peer is the client.
        assert_eq!(resolve(ip("198.51.100.1"), &h, &[]), ip("198.51.100.1"));
        assert_eq!(
            resolve(ip("198.51.100.1"), &h, &nets(&["10.0.0.0/8"])),
            ip("198.51.100.1")
        );
        // From the proxy: the forwarded client.
        assert_eq!(
            resolve(ip("10.0.0.2"), &h, &nets(&["10.0.0.0/8"])),
            ip("203.0.113.9")
        );
        // A proxy that forwarded nothing is its own client.
        assert_eq!(
            resolve(ip("10.0.0.2"), &HeaderMap::new(), &nets(&["10.0.0.0/8"])),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn the_rightmost_address_that_is_not_our_proxy_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        // The client wrote "1.2.3.4" itself; our proxies appended the rest.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.5")]);
        assert_eq!(resolve(ip("127.0.0.1"), &h, &trusted), ip("203.0.113.9"));
        // Several headers are one list.
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "203.0.113.9:5555"),
        ]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("203.0.113.9"));
        // Only proxies: the leftmost is as far as we can see.
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 10.0.0.5")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("10.9.9.9"));
        // An unnamed hop hides what is behind it.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, unknown, 10.0.0.5")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.5"));
    }

    #[test]
    fn rfc_7239_forwarded_is_understood() {
        let trusted = nets(&["10.0.0.0/8"]);
        let h = headers(&[(
            "forwarded",
            "for=1.2.3.4, for=\"[2001:db8:cafe::17]:4711\";proto=https;by=10.0.0.1",
        )]);
        assert_eq!(
            resolve(ip("10.0.0.1"), &h, &trusted),
            ip("2001:db8:cafe::17")
        );
        let h = headers(&[("forwarded", "For=192.0.2.60;proto=http")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("192.0.2.60"));
        let h = headers(&[("forwarded", "for=_hidden, for=10.0.0.3")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.3"));
    }

    #[test]
    fn a_second_header_the_client_wrote_itself_gains_it_nothing() {
        let trusted = nets(&["10.0.0.0/8"]);
        // The proxy appends to X-Forwarded-For and passes the client's own `Forwarded` on.
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=198.51.100.77"),
        ]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.1"));
        // A proxy that sends both, agreeing, is believed.
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=203.0.113.9"),
        ]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("203.0.113.9"));
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_proxies_and_ipv6_is_counted_per_64() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            resolve(ip("::ffff:127.0.0.1"), &h, &nets(&["127.0.0.1/32"])),
            ip("203.0.113.9")
        );
        assert_eq!(
            ClientIp(ip("2001:db8:1:2:aaaa::1")).throttle_key(),
            "2001:db8:1:2::/64"
        );
        assert_eq!(ClientIp(ip("203.0.113.9")).throttle_key(), "203.0.113.9");
    }
}
