//! Discount codes (`coupons`): a percentage or an amount off, for one course or the whole
//! school, until a date, for a number of paid orders.

use crate::courses::price::Price;
use crate::db::{CourseId, Db, SchoolId, now_ms};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Coupon {
    pub id: i64,
    pub code: String,
    pub course_id: Option<i64>,
    pub percent_off: Option<i64>,
    pub amount_off_minor: Option<i64>,
    pub currency: Option<String>,
    pub expires_at: Option<i64>,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub active: i64,
}

/// The smallest charge left after a discount: the providers refuse smaller ones (Stripe's
/// minimum is about half a unit of most currencies).
pub const MIN_CHARGE_MINOR: i64 = 50;

/// Why a code doesn't apply (a catalogue key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Unknown,
    Expired,
    UsedUp,
    OtherCourse,
    OtherCurrency,
    TooMuch,
}

impl Refused {
    pub fn key(self) -> &'static str {
        match self {
            Refused::Unknown => "coupon-unknown",
            Refused::Expired => "coupon-expired",
            Refused::UsedUp => "coupon-used-up",
            Refused::OtherCourse => "coupon-other-course",
            Refused::OtherCurrency => "coupon-other-currency",
            Refused::TooMuch => "coupon-too-much",
        }
    }
}

/// A code as typed: trimmed, upper case.
pub fn normalise(code: &str) -> String {
    code.trim().to_uppercase()
}

const COLUMNS: &str = "id, code, course_id, percent_off, amount_off_minor, currency, expires_at, max_uses, uses, active";

pub async fn by_code(db: &Db, school_id: SchoolId, code: &str) -> sqlx::Result<Option<Coupon>> {
    sqlx::query_as::<_, Coupon>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM coupons WHERE school_id = $1 AND code = $2"
    )))
    .bind(school_id)
    .bind(normalise(code))
    .fetch_optional(&db.pool)
    .await
}

/// The price after the coupon, or why it doesn't apply.
pub fn apply(c: &Coupon, course_id: CourseId, price: &Price, now: i64) -> Result<Price, Refused> {
    if c.active != 1 {
        return Err(Refused::Unknown);
    }
    if c.expires_at.is_some_and(|t| t <= now) {
        return Err(Refused::Expired);
    }
    if c.max_uses.is_some_and(|m| c.uses >= m) {
        return Err(Refused::UsedUp);
    }
    if c.course_id.is_some_and(|id| id != course_id.0) {
        return Err(Refused::OtherCourse);
    }
    let off = match (c.percent_off, c.amount_off_minor) {
        (Some(p), _) => price.minor * p.clamp(0, 100) / 100,
        (None, Some(a)) => {
            if c.currency.as_deref() != Some(price.currency.as_str()) {
                return Err(Refused::OtherCurrency);
            }
            a
        }
        (None, None) => 0,
    };
    let left = price.minor - off;
    if left < MIN_CHARGE_MINOR {
        return Err(Refused::TooMuch);
    }
    Ok(Price {
        minor: left,
        currency: price.currency.clone(),
    })
}

/// Counts a paid order's use, in the settling transaction.
pub async fn count_use(tx: &mut sqlx::AnyConnection, coupon_id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE coupons SET uses = uses + 1 WHERE id = $1")
        .bind(coupon_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub struct NewCoupon<'a> {
    pub code: &'a str,
    pub course_id: Option<CourseId>,
    pub percent_off: Option<i64>,
    pub amount_off: Option<&'a Price>,
    pub expires_at: Option<i64>,
    pub max_uses: Option<i64>,
}

/// `false` when the school has that code already.
pub async fn create(db: &Db, school_id: SchoolId, c: &NewCoupon<'_>) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO coupons (school_id, code, course_id, percent_off, amount_off_minor, currency, expires_at, max_uses, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (school_id, code) DO NOTHING",
    )
    .bind(school_id)
    .bind(normalise(c.code))
    .bind(c.course_id)
    .bind(c.percent_off)
    .bind(c.amount_off.map(|p| p.minor))
    .bind(c.amount_off.map(|p| p.currency.clone()))
    .bind(c.expires_at)
    .bind(c.max_uses)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn list(db: &Db, school_id: SchoolId) -> sqlx::Result<Vec<Coupon>> {
    sqlx::query_as::<_, Coupon>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM coupons WHERE school_id = $1 ORDER BY created_at DESC, id DESC"
    )))
    .bind(school_id)
    .fetch_all(&db.pool)
    .await
}

/// Switches a code off (paid orders keep it on record).
pub async fn deactivate(db: &Db, school_id: SchoolId, id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE coupons SET active = 0 WHERE school_id = $1 AND id = $2")
        .bind(school_id)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coupon() -> Coupon {
        Coupon {
            id: 1,
            code: "LAUNCH".into(),
            course_id: None,
            percent_off: Some(20),
            amount_off_minor: None,
            currency: None,
            expires_at: None,
            max_uses: None,
            uses: 0,
            active: 1,
        }
    }

    fn eur(minor: i64) -> Price {
        Price {
            minor,
            currency: "EUR".into(),
        }
    }

    #[test]
    fn a_coupon_takes_off_what_it_says_or_says_why_not() {
        let c = coupon();
        assert_eq!(apply(&c, CourseId(5), &eur(4900), 0), Ok(eur(3920)));
        let amount = Coupon {
            percent_off: None,
            amount_off_minor: Some(1000),
            currency: Some("EUR".into()),
            ..coupon()
        };
        assert_eq!(apply(&amount, CourseId(5), &eur(4900), 0), Ok(eur(3900)));
        let usd = Price {
            minor: 4900,
            currency: "USD".into(),
        };
        assert_eq!(
            apply(&amount, CourseId(5), &usd, 0),
            Err(Refused::OtherCurrency)
        );
        let expired = Coupon {
            expires_at: Some(100),
            ..coupon()
        };
        assert_eq!(
            apply(&expired, CourseId(5), &eur(4900), 100),
            Err(Refused::Expired)
        );
        assert_eq!(apply(&expired, CourseId(5), &eur(4900), 99), Ok(eur(3920)));
        let used = Coupon {
            max_uses: Some(3),
            uses: 3,
            ..coupon()
        };
        assert_eq!(
            apply(&used, CourseId(5), &eur(4900), 0),
            Err(Refused::UsedUp)
        );
        let other = Coupon {
            course_id: Some(6),
            ..coupon()
        };
        assert_eq!(
            apply(&other, CourseId(5), &eur(4900), 0),
            Err(Refused::OtherCourse)
        );
        let all = Coupon {
            percent_off: Some(100),
            ..coupon()
        };
        assert_eq!(
            apply(&all, CourseId(5), &eur(4900), 0),
            Err(Refused::TooMuch)
        );
        let off = Coupon {
            active: 0,
            ..coupon()
        };
        assert_eq!(
            apply(&off, CourseId(5), &eur(4900), 0),
            Err(Refused::Unknown)
        );
        assert_eq!(normalise(" launch20 "), "LAUNCH20");
    }
}
