//! Orders (`orders`, `order_refunds`): written before the buyer leaves for the provider,
//! settled exactly once by [`settle`], the only place a payment enrols anyone.

use rand::Rng;

use super::{PaymentsState, Provider};
use crate::courses::price::Price;
use crate::db::{CourseId, Db, SchoolId, UserId, now_ms};
use crate::email::{self, Email};
use crate::i18n::Tr;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Order {
    pub id: i64,
    pub school_id: i64,
    pub number: String,
    pub course_id: i64,
    pub user_id: i64,
    pub provider: String,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub provider_ref: Option<String>,
    pub payment_ref: Option<String>,
    pub paid_minor: Option<i64>,
    pub paid_currency: Option<String>,
    pub refunded_minor: i64,
    pub coupon_id: Option<i64>,
    pub discount_minor: i64,
    pub flag: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub paid_at: Option<i64>,
}

impl Order {
    pub fn provider(&self) -> Provider {
        Provider::parse(&self.provider).unwrap_or(Provider::Stripe)
    }
    pub fn price(&self) -> Price {
        Price {
            minor: self.amount_minor,
            currency: self.currency.clone(),
        }
    }
    pub fn is_paid(&self) -> bool {
        self.status == "paid" || self.status == "refunded"
    }
    /// What may still be refunded.
    pub fn refundable(&self) -> i64 {
        if self.is_paid() {
            self.paid_minor.unwrap_or(0) - self.refunded_minor
        } else {
            0
        }
    }
}

const COLUMNS: &str = "o.id, o.school_id, o.number, o.course_id, o.user_id, o.provider, o.status, o.amount_minor, o.currency, o.provider_ref, o.payment_ref, o.paid_minor, o.paid_currency, o.refunded_minor, o.coupon_id, o.discount_minor, o.flag, o.last_error, o.created_at, o.paid_at";

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `LC-` and 12 random Crockford characters (60 bits): an order's page can't be found by
/// counting, and the number is easy to read out on the phone.
fn new_number() -> String {
    let mut rng = rand::rng();
    let s: String = (0..12)
        .map(|_| CROCKFORD[rng.random_range(0..32)] as char)
        .collect();
    format!("LC-{s}")
}

pub async fn create(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
    provider: Provider,
    price: &Price,
    coupon: Option<(i64, i64)>,
) -> sqlx::Result<Order> {
    let now = now_ms();
    let number = new_number();
    sqlx::query(
        "INSERT INTO orders (school_id, number, course_id, user_id, provider, status, amount_minor, currency, coupon_id, discount_minor, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $9, $10, $8, $8)",
    )
    .bind(school_id)
    .bind(&number)
    .bind(course_id)
    .bind(user_id)
    .bind(provider.as_str())
    .bind(price.minor)
    .bind(&price.currency)
    .bind(now)
    .bind(coupon.map(|c| c.0))
    .bind(coupon.map_or(0, |c| c.1))
    .execute(&db.pool)
    .await?;
    by_number(db, school_id, &number)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

pub async fn by_number(db: &Db, school_id: SchoolId, number: &str) -> sqlx::Result<Option<Order>> {
    sqlx::query_as::<_, Order>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders o WHERE o.school_id = $1 AND o.number = $2"
    )))
    .bind(school_id)
    .bind(number)
    .fetch_optional(&db.pool)
    .await
}

pub async fn by_provider_ref(
    db: &Db,
    school_id: SchoolId,
    provider: Provider,
    provider_ref: &str,
) -> sqlx::Result<Option<Order>> {
    sqlx::query_as::<_, Order>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders o WHERE o.school_id = $1 AND o.provider = $2 AND o.provider_ref = $3"
    )))
    .bind(school_id)
    .bind(provider.as_str())
    .bind(provider_ref)
    .fetch_optional(&db.pool)
    .await
}

/// The provider's id for the order (its Checkout Session or PayPal order).
pub async fn set_provider_ref(db: &Db, order_id: i64, provider_ref: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET provider_ref = $1, updated_at = $2 WHERE id = $3")
        .bind(provider_ref)
        .bind(now_ms())
        .bind(order_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// How often an open order page may make Lectern ask the provider about a pending order.
/// The buyer's return and the webhook ask at once; the page's two-second polls of a whole
/// launch would otherwise be as many provider calls.
pub const RECHECK_MS: i64 = 10_000;

/// Claims the next provider check of a pending order: `true` for one caller per
/// [`RECHECK_MS`], across tabs and instances (`updated_at` is when it was last asked).
pub async fn claim_check(db: &Db, order_id: i64) -> sqlx::Result<bool> {
    let now = db.clock.now_ms();
    let r = sqlx::query(
        "UPDATE orders SET updated_at = $1 WHERE id = $2 AND status = 'pending' AND updated_at <= $3",
    )
    .bind(now)
    .bind(order_id)
    .bind(now - RECHECK_MS)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A pending order that ended without a payment (`failed`, `cancelled`), with why. A paid
/// order is never touched.
pub async fn close_unpaid(
    db: &Db,
    order_id: i64,
    status: &str,
    error: Option<&str>,
) -> sqlx::Result<bool> {
    debug_assert!(matches!(status, "failed" | "cancelled"));
    let r = sqlx::query(
        "UPDATE orders SET status = $1, last_error = COALESCE($2, last_error), updated_at = $3
         WHERE id = $4 AND status = 'pending'",
    )
    .bind(status)
    .bind(error)
    .bind(now_ms())
    .bind(order_id)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A payment as read from the provider (never from the buyer's browser).
#[derive(Clone, Debug)]
pub struct Verified {
    /// The payment intent (`pi_…`) or PayPal capture id: what a refund names.
    pub payment_ref: String,
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// This call settled it and enrolled the buyer.
    Enrolled,
    /// This call settled it; the buyer was enrolled already (another order, another tab):
    /// the order is flagged for a refund.
    Duplicate,
    /// This call found the amount or currency different from the order's: not enrolled,
    /// flagged for the admin.
    Mismatch,
    /// Settled before (a webhook and the return page, a retried delivery): nothing done.
    Already,
}

/// Settles an order from a verified payment, exactly once however many deliveries,
/// returns and workers race for it: one conditional UPDATE decides, and the enrolment and
/// the receipt go in its transaction.
pub async fn settle(
    state: &PaymentsState,
    order: &Order,
    paid: &Verified,
) -> anyhow::Result<Settled> {
    let matches = paid.amount_minor == order.amount_minor
        && paid.currency.eq_ignore_ascii_case(&order.currency);
    if order.is_paid() {
        return Ok(Settled::Already);
    }
    let to = Recipients::of(state, order).await?;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    let won = sqlx::query(
        "UPDATE orders SET status = 'paid', payment_ref = $1, paid_minor = $2, paid_currency = $3,
                paid_at = $4, updated_at = $4, flag = $5
         WHERE id = $6 AND status IN ('pending', 'failed', 'cancelled')",
    )
    .bind(&paid.payment_ref)
    .bind(paid.amount_minor)
    .bind(paid.currency.to_ascii_uppercase())
    .bind(now)
    .bind((!matches).then_some("amount_mismatch"))
    .bind(order.id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !won {
        return Ok(Settled::Already);
    }
    // Paid whatever follows (an amount that differs is flagged in the data): the money
    // arrived either way.
    crate::outbound::emit(
        &mut tx,
        order.school_id,
        crate::outbound::Event::OrderPaid,
        &format!("order.paid:{}", order.id),
        serde_json::json!({
            "order": order.number,
            "course_id": order.course_id,
            "user_id": order.user_id,
            "amount_minor": paid.amount_minor,
            "currency": paid.currency.to_ascii_uppercase(),
            "paid_at": crate::outbound::rfc3339(now),
            "flag": (!matches).then_some("amount_mismatch"),
        }),
    )
    .await?;
    if !matches {
        tell_admins(&mut tx, order, "amount_mismatch", &to).await?;
        tracing::warn!(
            order = %order.number,
            expected = order.amount_minor,
            paid = paid.amount_minor,
            "a payment's amount or currency differs from its order: not enrolled"
        );
        tx.commit().await?;
        return Ok(Settled::Mismatch);
    }
    let school = SchoolId(order.school_id);
    let enrolled = crate::courses::progress::enroll_in(
        &mut tx,
        &*state.hooks,
        school,
        CourseId(order.course_id),
        UserId(order.user_id),
    )
    .await?;
    if !enrolled {
        sqlx::query("UPDATE orders SET flag = 'duplicate' WHERE id = $1")
            .bind(order.id)
            .execute(&mut *tx)
            .await?;
        tell_admins(&mut tx, order, "duplicate", &to).await?;
    }
    if let Some(c) = order.coupon_id {
        super::coupons::count_use(&mut tx, c).await?;
    }
    queue_receipt(&mut tx, order, paid, &to).await?;
    tx.commit().await?;
    if enrolled {
        crate::courses::viewers::person_changed(&state.db, UserId(order.user_id));
    }
    Ok(if enrolled {
        Settled::Enrolled
    } else {
        Settled::Duplicate
    })
}

/// Who an order's mails go to and what they name. Read before the transaction that queues
/// them: a read through the pool inside it would hold one connection while waiting for
/// another, and under load a full pool of such transactions waits for ever.
pub struct Recipients {
    buyer: Option<crate::accounts::User>,
    course_title: String,
    course_url: String,
    admins: Vec<crate::accounts::User>,
    order_url: String,
}

impl Recipients {
    pub async fn of(state: &PaymentsState, order: &Order) -> anyhow::Result<Recipients> {
        let db = &state.db;
        let buyer = crate::accounts::by_id(db, order.school_id, order.user_id).await?;
        let course =
            crate::courses::by_id(db, SchoolId(order.school_id), CourseId(order.course_id)).await?;
        let origin =
            crate::schools::domains::origin(db, &state.config.base_url, order.school_id).await?;
        Ok(Recipients {
            buyer,
            course_title: course.as_ref().map(|c| c.title.clone()).unwrap_or_default(),
            course_url: format!(
                "{origin}{}",
                course.as_ref().map(|c| c.url()).unwrap_or_default()
            ),
            admins: crate::accounts::admins(db, order.school_id).await?,
            order_url: format!("{origin}/admin/orders/{}", order.number),
        })
    }
}

/// The receipt: order number, course, amount, provider reference, in the buyer's language.
async fn queue_receipt(
    tx: &mut sqlx::AnyConnection,
    order: &Order,
    paid: &Verified,
    to: &Recipients,
) -> anyhow::Result<()> {
    let Some(user) = &to.buyer else {
        return Ok(());
    };
    let tr = Tr::new(user.language.as_deref().unwrap_or("en-US"));
    let lang = tr.lang();
    let args = [
        ("number", order.number.clone()),
        ("course", to.course_title.clone()),
        (
            "amount",
            crate::courses::price::format_amount(paid.amount_minor, &order.currency, &lang),
        ),
        ("provider", order.provider().label().to_string()),
        ("reference", paid.payment_ref.clone()),
        ("url", to.course_url.clone()),
    ];
    let text = tr.ta("payment-receipt-text", &args);
    let subject = tr.ta("payment-receipt-subject", &args);
    queue_text(tx, order.school_id, user.email.clone(), &tr, subject, text).await
}

/// A plain message, each line a paragraph in its HTML part.
async fn queue_text(
    tx: &mut sqlx::AnyConnection,
    school_id: i64,
    to: String,
    tr: &Tr,
    subject: String,
    text: String,
) -> anyhow::Result<()> {
    let html = text
        .lines()
        .map(|l| format!("<p>{}</p>", email::html_escape(l)))
        .collect::<String>();
    email::queue(
        tx,
        school_id,
        Email {
            to,
            subject,
            text,
            html,
            tr: tr.clone(),
            calendar: None,
        },
    )
    .await?;
    Ok(())
}

/// A flagged order is mailed to the school's admins, with a link to its page.
async fn tell_admins(
    tx: &mut sqlx::AnyConnection,
    order: &Order,
    flag: &str,
    to: &Recipients,
) -> anyhow::Result<()> {
    for admin in &to.admins {
        let tr = Tr::new(admin.language.as_deref().unwrap_or("en-US"));
        let args = [
            ("number", order.number.clone()),
            ("reason", tr.t(&format!("order-flag-{flag}"))),
            ("url", to.order_url.clone()),
        ];
        let text = tr.ta("payment-flagged-text", &args);
        let subject = tr.ta("payment-flagged-subject", &args);
        queue_text(tx, order.school_id, admin.email.clone(), &tr, subject, text).await?;
    }
    Ok(())
}

/// Tells the buyer what was refunded, in the refund's transaction.
pub async fn queue_refund_notice(
    tx: &mut sqlx::AnyConnection,
    order: &Order,
    amount_minor: i64,
    removed_access: bool,
    to: &Recipients,
) -> anyhow::Result<()> {
    let Some(user) = &to.buyer else {
        return Ok(());
    };
    let tr = Tr::new(user.language.as_deref().unwrap_or("en-US"));
    let args = [
        ("number", order.number.clone()),
        ("course", to.course_title.clone()),
        (
            "amount",
            crate::courses::price::format_amount(amount_minor, &order.currency, &tr.lang()),
        ),
    ];
    let mut text = tr.ta("payment-refund-text", &args);
    if removed_access {
        text.push('\n');
        text.push_str(&tr.t("payment-refund-access-ended"));
    }
    let subject = tr.ta("payment-refund-subject", &args);
    queue_text(tx, order.school_id, user.email.clone(), &tr, subject, text).await
}

/// Orders of a school, newest first, with the course and the buyer, filtered.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Listed {
    #[sqlx(flatten)]
    pub order: Order,
    pub course_title: String,
    pub buyer_email: String,
    pub buyer_name: String,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Filter {
    pub status: String,
    pub provider: String,
    pub course: String,
    pub q: String,
    pub flagged: String,
}

pub async fn list(
    db: &Db,
    school_id: SchoolId,
    f: &Filter,
    limit: i64,
) -> sqlx::Result<Vec<Listed>> {
    // Filters are bound as values; an empty one matches everything.
    sqlx::query_as::<_, Listed>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, c.title AS course_title, u.email AS buyer_email, u.display_name AS buyer_name
         FROM orders o JOIN courses c ON c.id = o.course_id JOIN users u ON u.id = o.user_id
         WHERE o.school_id = $1
           AND ($2 = '' OR o.status = $2)
           AND ($3 = '' OR o.provider = $3)
           AND ($4 = '' OR CAST(o.course_id AS TEXT) = $4)
           AND ($5 = '' OR LOWER(u.email) LIKE $6 OR o.number = $7 OR o.provider_ref = $5 OR o.payment_ref = $5)
           AND ($8 = '' OR o.flag IS NOT NULL)
         ORDER BY o.created_at DESC, o.id DESC
         LIMIT $9"
    )))
    .bind(school_id)
    .bind(&f.status)
    .bind(&f.provider)
    .bind(&f.course)
    .bind(f.q.trim())
    .bind(format!("%{}%", f.q.trim().to_lowercase().replace(['%', '_'], "")))
    .bind(f.q.trim().to_ascii_uppercase())
    .bind(&f.flagged)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// A buyer's own orders of a course, newest first (the buy page's "you have a payment
/// being confirmed").
pub async fn of_buyer(
    db: &Db,
    school_id: SchoolId,
    user_id: UserId,
    course_id: CourseId,
) -> sqlx::Result<Vec<Order>> {
    sqlx::query_as::<_, Order>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders o WHERE o.school_id = $1 AND o.user_id = $2 AND o.course_id = $3
         ORDER BY o.created_at DESC, o.id DESC"
    )))
    .bind(school_id)
    .bind(user_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RefundRow {
    pub provider_refund_id: String,
    pub amount_minor: i64,
    pub removed_access: i64,
    pub created_at: i64,
}

pub async fn refunds_of(db: &Db, order_id: i64) -> sqlx::Result<Vec<RefundRow>> {
    sqlx::query_as::<_, RefundRow>(
        "SELECT provider_refund_id, amount_minor, removed_access, created_at FROM order_refunds
         WHERE order_id = $1 ORDER BY id",
    )
    .bind(order_id)
    .fetch_all(&db.pool)
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn order_numbers_are_long_random_and_readable() {
        let a = super::new_number();
        let b = super::new_number();
        assert_ne!(a, b);
        assert_eq!(a.len(), 15);
        assert!(a.starts_with("LC-"));
        assert!(a[3..].bytes().all(|c| super::CROCKFORD.contains(&c)));
    }
}
