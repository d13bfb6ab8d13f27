//! Amounts in minor units and the decimal strings PayPal wants.

/// ISO 4217 currencies without minor units. PayPal and Stripe take these as whole numbers,
/// so sending "500.00" JPY is refused (PayPal: `DECIMAL_PRECISION`).
const ZERO_DECIMAL: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
];

/// ISO 4217 currencies with three decimals (fils, baisa, millimes).
const THREE_DECIMAL: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

/// How many decimal places an ISO 4217 currency has (JPY, KRW… 0; BHD, KWD… 3; else 2).
pub fn exponent(currency: &str) -> u32 {
    let is = |list: &[&str]| list.iter().any(|c| c.eq_ignore_ascii_case(currency));
    if is(ZERO_DECIMAL) {
        0
    } else if is(THREE_DECIMAL) {
        3
    } else {
        2
    }
}

/// `1050, "EUR"` → `"10.50"`; `500, "JPY"` → `"500"`.
///
/// A negative amount keeps its sign in front (`-5, "EUR"` → `"-0.05"`); the providers
/// refuse it, but the string should still say what was asked rather than hide the sign.
pub fn to_decimal(minor: i64, currency: &str) -> String {
    let exp = exponent(currency);
    let sign = if minor < 0 { "-" } else { "" };
    // unsigned_abs so that i64::MIN does not overflow.
    let abs = minor.unsigned_abs();
    if exp == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(exp);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exp as usize
    )
}

/// `"10.50", "EUR"` → `Some(1050)`; more decimals than the currency has, or junk → `None`.
///
/// Strict on purpose: this reads amounts providers report back (captures), and a value we
/// cannot read exactly must not turn into a silently rounded one. No sign, no exponent, no
/// spaces, no thousands separators, digits on both sides of a point; fewer decimals than
/// the currency has are fine (`"10.5"` EUR = 1050).
pub fn from_decimal(value: &str, currency: &str) -> Option<i64> {
    let exp = exponent(currency);
    let (int, frac) = match value.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (value, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) {
        return None;
    }
    let frac = match frac {
        None => "",
        Some(f) if digits(f) && f.len() <= exp as usize => f,
        Some(_) => return None,
    };
    let whole: i64 = int.parse().ok()?;
    let mut minor = whole.checked_mul(10i64.pow(exp))?;
    if !frac.is_empty() {
        let part: i64 = frac.parse().ok()?;
        let pad = 10i64.pow(exp - frac.len() as u32);
        minor = minor.checked_add(part * pad)?;
    }
    Some(minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents() {
        assert_eq!(exponent("EUR"), 2);
        assert_eq!(exponent("usd"), 2);
        assert_eq!(exponent("JPY"), 0);
        assert_eq!(exponent("krw"), 0);
        assert_eq!(exponent("XPF"), 0);
        assert_eq!(exponent("BHD"), 3);
        assert_eq!(exponent("kwd"), 3);
        assert_eq!(exponent("TND"), 3);
        assert_eq!(exponent("HUF"), 2);
        assert_eq!(exponent(""), 2);
    }

    #[test]
    fn to_decimal_examples() {
        assert_eq!(to_decimal(1050, "EUR"), "10.50");
        assert_eq!(to_decimal(5, "EUR"), "0.05");
        assert_eq!(to_decimal(0, "EUR"), "0.00");
        assert_eq!(to_decimal(500, "JPY"), "500");
        assert_eq!(to_decimal(1234, "KWD"), "1.234");
        assert_eq!(to_decimal(7, "BHD"), "0.007");
        assert_eq!(to_decimal(-5, "EUR"), "-0.05");
        assert_eq!(to_decimal(-500, "JPY"), "-500");
        assert_eq!(to_decimal(i64::MIN, "EUR"), "-92233720368547758.08");
        assert_eq!(to_decimal(i64::MAX, "EUR"), "92233720368547758.07");
    }

    #[test]
    fn from_decimal_accepts() {
        assert_eq!(from_decimal("10.50", "EUR"), Some(1050));
        assert_eq!(from_decimal("10.5", "EUR"), Some(1050));
        assert_eq!(from_decimal("10", "EUR"), Some(1000));
        assert_eq!(from_decimal("0.05", "eur"), Some(5));
        assert_eq!(from_decimal("007.00", "EUR"), Some(700));
        assert_eq!(from_decimal("500", "JPY"), Some(500));
        assert_eq!(from_decimal("1.234", "KWD"), Some(1234));
        assert_eq!(from_decimal("1.2", "KWD"), Some(1200));
        assert_eq!(from_decimal("92233720368547758.07", "EUR"), Some(i64::MAX));
    }

    #[test]
    fn from_decimal_refuses() {
        for (v, c) in [
            ("", "EUR"),
            (".", "EUR"),
            (".5", "EUR"),
            ("10.", "EUR"),
            ("10.505", "EUR"),
            ("500.0", "JPY"),
            ("500.", "JPY"),
            ("1.2345", "KWD"),
            ("-10.50", "EUR"),
            ("+10.50", "EUR"),
            (" 10.50", "EUR"),
            ("10.50 ", "EUR"),
            ("1,000.00", "EUR"),
            ("1e3", "EUR"),
            ("10.5.0", "EUR"),
            ("10.-5", "EUR"),
            ("10.+5", "EUR"),
            ("abc", "EUR"),
            ("١٠", "EUR"),
            ("92233720368547758.08", "EUR"),
            ("99999999999999999999", "JPY"),
        ] {
            assert_eq!(from_decimal(v, c), None, "{v:?} {c}");
        }
    }

    #[test]
    fn round_trip() {
        // A deterministic spread over small, boundary and large values (no proptest dep).
        let mut values: Vec<i64> = (0..2_000).collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push((x >> 1) as i64);
        }
        values.extend([i64::MAX, i64::MAX - 1, 999, 1_000, 99_999, 100_000]);
        for currency in ["EUR", "JPY", "KWD", "usd"] {
            for &v in &values {
                let s = to_decimal(v, currency);
                assert_eq!(from_decimal(&s, currency), Some(v), "{v} {currency} {s}");
            }
        }
    }
}
