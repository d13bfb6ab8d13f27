//! Refunds made by an admin from an order's page, through the provider's API.

use super::orders::Order;
use super::{PaymentsState, Provider, providers};
use crate::db::{CourseId, SchoolId, UserId, now_ms};

#[derive(Debug)]
pub enum RefundError {
    /// Nothing (or less than asked) is left to refund.
    TooMuch,
    NotPaid,
    NotConfigured,
    Provider(payments::PaymentError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refunded {
    pub amount_minor: i64,
    /// The buyer's enrolment ended (a full refund, where the school says so).
    pub removed_access: bool,
}

/// Refunds `amount` (all that is left when `None`) of a paid order.
pub async fn refund(
    state: &PaymentsState,
    order: &Order,
    amount: Option<i64>,
) -> anyhow::Result<Result<Refunded, RefundError>> {
    if !order.is_paid() {
        return Ok(Err(RefundError::NotPaid));
    }
    let left = order.refundable();
    let amount = amount.unwrap_or(left);
    if amount <= 0 || amount > left {
        return Ok(Err(RefundError::TooMuch));
    }
    let Some(payment_ref) = order.payment_ref.as_deref() else {
        return Ok(Err(RefundError::NotPaid));
    };
    let school = SchoolId(order.school_id);
    // The same refund asked twice (a double click, a retried form) is one refund.
    let key = format!("{}-refund-{}-{amount}", order.number, order.refunded_minor);
    let refund_id = match order.provider() {
        Provider::Stripe => {
            let Some(a) = providers::stripe(state, school).await? else {
                return Ok(Err(RefundError::NotConfigured));
            };
            match providers::stripe_client(state, &a)
                .refund(payment_ref, Some(amount), &key)
                .await
            {
                Ok(r) => r.id,
                Err(e) => return Ok(Err(RefundError::Provider(e))),
            }
        }
        Provider::PayPal => {
            let Some(a) = providers::paypal(state, school).await? else {
                return Ok(Err(RefundError::NotConfigured));
            };
            match providers::paypal_client(state, &a)
                .refund_capture(payment_ref, Some((amount, order.currency.as_str())), &key)
                .await
            {
                Ok(r) => r.id,
                Err(e) => return Ok(Err(RefundError::Provider(e))),
            }
        }
    };
    let full = amount == left;
    // Only the order that granted the enrolment takes it away: a duplicate's or a
    // mismatched payment's refund leaves the student where they are.
    let removes = full
        && order.flag.is_none()
        && providers::terms(&state.db, school)
            .await?
            .refund_removes_access
            == 1;
    let to = super::orders::Recipients::of(state, order).await?;
    let mut tx = state.db.pool.begin().await?;
    let recorded = sqlx::query(
        "INSERT INTO order_refunds (school_id, order_id, provider_refund_id, amount_minor, removed_access, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id, provider_refund_id) DO NOTHING",
    )
    .bind(school)
    .bind(order.id)
    .bind(&refund_id)
    .bind(amount)
    .bind(i64::from(removes))
    .bind(now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    let mut removed = false;
    if recorded {
        sqlx::query(
            "UPDATE orders SET refunded_minor = refunded_minor + $1,
                    status = CASE WHEN refunded_minor + $1 >= COALESCE(paid_minor, 0) THEN 'refunded' ELSE status END,
                    updated_at = $2
             WHERE id = $3",
        )
        .bind(amount)
        .bind(now_ms())
        .bind(order.id)
        .execute(&mut *tx)
        .await?;
        if removes {
            removed = crate::courses::progress::unenroll_in(
                &mut tx,
                school,
                CourseId(order.course_id),
                UserId(order.user_id),
            )
            .await?;
        }
    }
    if recorded {
        super::orders::queue_refund_notice(&mut tx, order, amount, removed, &to).await?;
    }
    tx.commit().await?;
    if removed {
        crate::courses::viewers::person_changed(&state.db, UserId(order.user_id));
    }
    Ok(Ok(Refunded {
        amount_minor: amount,
        removed_access: removed,
    }))
}
