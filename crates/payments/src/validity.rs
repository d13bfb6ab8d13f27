//! The validity period of an X.509 certificate (RFC 5280 §4.1.2.5), read from its DER.
//!
//! rustls-webpki checks the dates only as part of building a path to a trust anchor
//! (`EndEntityCert::verify_for_usage`). PayPal's webhook certificate is trusted for where it
//! was fetched from (an allow-listed HTTPS origin), not through a chain, so the two fields
//! are read here.

/// `(not_before, not_after)` in Unix seconds, or `None` if the DER is not a certificate.
pub(crate) fn validity(der: &[u8]) -> Option<(i64, i64)> {
    let (cert, _) = expect(der, 0x30)?;
    let (tbs, _) = expect(cert, 0x30)?;
    let mut rest = tbs;
    // version [0] EXPLICIT, absent for v1 certificates
    if rest.first() == Some(&0xA0) {
        rest = expect(rest, 0xA0)?.1;
    }
    let (_serial, rest) = expect(rest, 0x02)?;
    let (_signature, rest) = expect(rest, 0x30)?;
    let (_issuer, rest) = expect(rest, 0x30)?;
    let (validity, _) = expect(rest, 0x30)?;
    let (tag, nb, rest) = tlv(validity)?;
    let not_before = time(tag, nb)?;
    let (tag, na, _) = tlv(rest)?;
    let not_after = time(tag, na)?;
    Some((not_before, not_after))
}

fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, value, rest) = tlv(input)?;
    (t == tag).then_some((value, rest))
}

/// One DER tag-length-value: (tag, value, what follows).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, input) = input.split_first()?;
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || input.len() < n {
            return None;
        }
        let (bytes, rest) = input.split_at(n);
        input = rest;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    if input.len() < len {
        return None;
    }
    let (value, rest) = input.split_at(len);
    Some((tag, value, rest))
}

/// UTCTime `YYMMDDHHMMSSZ` (years 1950–2049) or GeneralizedTime `YYYYMMDDHHMMSSZ`, the
/// only forms RFC 5280 allows.
fn time(tag: u8, v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?;
    let digits = s.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, rest) = match (tag, digits.len()) {
        (0x17, 12) => {
            let yy: i64 = digits[..2].parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &digits[2..])
        }
        (0x18, 14) => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let n = |i: usize| rest[i..i + 2].parse::<i64>().ok();
    let (month, day, h, m, sec) = (n(0)?, n(2)?, n(4)?, n(6)?, n(8)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject as _;

    #[test]
    fn reads_the_simulator_certificate() {
        // openssl x509 -dates: notBefore=Dec  3 14:27:36 2026 GMT (UTCTime),
        // notAfter=Nov  9 14:27:36 2126 GMT (GeneralizedTime).
        let pem = include_bytes!("../../payments-sim/src/keys/paypal-sim.cert.pem");
        let der = rustls_pki_types::CertificateDer::from_pem_slice(pem).unwrap();
        assert_eq!(validity(&der), Some((1_796_308_056, 4_949_908_056)));
    }

    #[test]
    fn times() {
        assert_eq!(time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(time(0x17, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(time(0x17, b"500101000000Z"), Some(-631_152_000));
        assert_eq!(time(0x18, b"20000229120000Z"), Some(951_825_600));
        for bad in [
            &b"700101000000"[..],
            b"7001010000Z",
            b"70010100000aZ",
            b"701301000000Z",
            b"",
        ] {
            assert_eq!(time(0x17, bad), None, "{bad:?}");
        }
        assert_eq!(time(0x18, b"700101000000Z"), None);
        assert_eq!(time(0x02, b"700101000000Z"), None);
    }

    #[test]
    fn junk_is_none() {
        for der in [
            &b""[..],
            &[0x30],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x02, 0x30, 0x00],
        ] {
            assert_eq!(validity(der), None);
        }
        let mut x: u32 = 7;
        for _ in 0..2_000 {
            let v: Vec<u8> = (0..(x % 64))
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (x >> 16) as u8
                })
                .collect();
            let _ = validity(&v);
        }
    }
}
