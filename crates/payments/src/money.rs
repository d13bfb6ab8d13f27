//! Amounts in minor units and the decimal strings PayPal wants.

/// How many decimal places an ISO 4217 currency has (JPY, KRW… 0; BHD, KWD… 3; else 2).
pub fn exponent(currency: &str) -> u32 {
    todo!("{currency}")
}

/// `1050, "EUR"` → `"10.50"`; `500, "JPY"` → `"500"`.
pub fn to_decimal(minor: i64, currency: &str) -> String {
    todo!("{minor}{currency}")
}

/// `"10.50", "EUR"` → `Some(1050)`; more decimals than the currency has, or junk → `None`.
pub fn from_decimal(value: &str, currency: &str) -> Option<i64> {
    todo!("{value}{currency}")
}
