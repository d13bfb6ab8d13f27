//! A course's price: minor units of an ISO 4217 currency, shown in the viewer's language,
//! parsed from what an instructor types, and written to the course's row.

use crate::db::{CourseId, Db, SchoolId, now_ms};

/// Currencies a school may sell in: the ones Stripe and PayPal both settle.
pub const CURRENCIES: &[&str] = &[
    "USD", "EUR", "GBP", "CHF", "CAD", "AUD", "NZD", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK",
    "HUF", "SGD", "HKD", "MXN",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Price {
    pub minor: i64,
    pub currency: String,
}

impl Price {
    /// `€49.00` (English), `49,00 €` (German): the symbol where one is unambiguous, the code
    /// otherwise.
    pub fn display(&self, lang: &str) -> String {
        format_amount(self.minor, &self.currency, lang)
    }
}

/// An amount of `currency` for a reader of `lang` (a BCP 47 tag): the language's decimal
/// and group separators and its order of number and symbol come from its messages
/// (`formats.ftl`).
pub fn format_amount(minor: i64, currency: &str, lang: &str) -> String {
    let tr = crate::i18n::Tr::new(lang);
    let exp = payments::money::exponent(currency);
    let plain = payments::money::to_decimal(minor.abs(), currency);
    let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    let number = tr.join_number(int, if exp == 0 { "" } else { frac });
    let sign = if minor < 0 { "-" } else { "" };
    // "$" is a dollar of the reader's own country outside the US; only English readers
    // take it for USD here, everyone else reads the code.
    let english = tr.lang().starts_with("en");
    let symbol = match currency {
        "USD" if english => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        _ => None,
    };
    let formatted = match symbol {
        Some(s) => tr.ta(
            "price-with-symbol",
            &[("symbol", s), ("amount", number.as_str())],
        ),
        None => tr.ta(
            "price-with-code",
            &[("code", currency), ("amount", number.as_str())],
        ),
    };
    format!("{sign}{formatted}")
}

/// Why a typed price was refused (a catalogue key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceError {
    Currency,
    Amount,
    TooLarge,
}

impl PriceError {
    pub fn key(self) -> &'static str {
        match self {
            PriceError::Currency => "price-currency-invalid",
            PriceError::Amount => "price-amount-invalid",
            PriceError::TooLarge => "price-too-large",
        }
    }
}

/// Largest price accepted: a million in the major unit of a two-decimal currency.
const MAX_MINOR: i64 = 100_000_000;

/// `"49"`, `"49.5"`, `"49,50"` in `currency` → minor units; zero or less is refused (a free
/// course has no price at all).
pub fn parse(amount: &str, currency: &str) -> Result<Price, PriceError> {
    let currency = currency.trim().to_ascii_uppercase();
    if !CURRENCIES.contains(&currency.as_str()) {
        return Err(PriceError::Currency);
    }
    // A decimal comma is what half the world types.
    let amount = amount.trim().replace(',', ".");
    let minor = payments::money::from_decimal(&amount, &currency).ok_or(PriceError::Amount)?;
    if minor <= 0 {
        return Err(PriceError::Amount);
    }
    if minor > MAX_MINOR {
        return Err(PriceError::TooLarge);
    }
    Ok(Price { minor, currency })
}

/// Sets (or, with `None`, clears) a course's price.
pub async fn set(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    price: Option<&Price>,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE courses SET price_minor = $1, currency = $2, updated_at = $3
         WHERE school_id = $4 AND id = $5",
    )
    .bind(price.map(|p| p.minor))
    .bind(price.map(|p| p.currency.clone()))
    .bind(now_ms())
    .bind(school_id)
    .bind(course_id)
    .execute(&db.pool)
    .await?;
    super::viewers::course_changed(db, course_id);
    Ok(r.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_their_language_writes_them() {
        assert_eq!(format_amount(4900, "EUR", "en-US"), "€49.00");
        assert_eq!(format_amount(4900, "EUR", "de"), "49,00\u{a0}€");
        assert_eq!(format_amount(12_345_678, "USD", "en-US"), "$123,456.78");
        assert_eq!(
            format_amount(12_345_678, "USD", "de"),
            "123.456,78\u{a0}USD"
        );
        assert_eq!(format_amount(5000, "JPY", "en-US"), "¥5,000");
        assert_eq!(format_amount(123_456, "EUR", "es"), "1.234,56\u{a0}€");
        assert_eq!(
            format_amount(123_456, "EUR", "fr"),
            "1\u{202f}234,56\u{a0}€"
        );
        assert_eq!(format_amount(4900, "USD", "fr"), "49,00\u{a0}USD");
        assert_eq!(format_amount(-500, "GBP", "es"), "-5,00\u{a0}£");
        assert_eq!(format_amount(1999, "CHF", "en-US"), "CHF\u{a0}19.99");
        assert_eq!(format_amount(-500, "GBP", "en-US"), "-£5.00");
    }

    #[test]
    fn typed_prices_parse_or_say_why_not() {
        assert_eq!(
            parse("49", "eur"),
            Ok(Price {
                minor: 4900,
                currency: "EUR".into()
            })
        );
        assert_eq!(parse("49,5", "EUR").unwrap().minor, 4950);
        assert_eq!(parse(" 12.34 ", "USD").unwrap().minor, 1234);
        assert_eq!(parse("500", "JPY").unwrap().minor, 500);
        assert_eq!(parse("5.5", "JPY"), Err(PriceError::Amount));
        assert_eq!(parse("1.234", "EUR"), Err(PriceError::Amount));
        assert_eq!(parse("0", "EUR"), Err(PriceError::Amount));
        assert_eq!(parse("-3", "EUR"), Err(PriceError::Amount));
        assert_eq!(parse("abc", "EUR"), Err(PriceError::Amount));
        assert_eq!(parse("10", "XYZ"), Err(PriceError::Currency));
        assert_eq!(parse("2000000", "EUR"), Err(PriceError::TooLarge));
    }
}
