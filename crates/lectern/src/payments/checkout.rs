//! Sending a buyer to the provider and reading the payment back when they return.

use payments::paypal::OrderRequest;
use payments::stripe::CheckoutRequest;

use super::orders::{self, Order, Verified};
use super::{PaymentsState, Provider, providers};
use crate::courses::Course;
use crate::db::{SchoolId, UserId};

/// Why a checkout couldn't start, for the buyer.
#[derive(Debug)]
pub enum StartError {
    /// The school hasn't connected this provider.
    NotConfigured,
    /// The provider refused or failed; the order is marked failed.
    Provider(payments::PaymentError),
    /// The discount code doesn't apply (any more).
    Coupon(super::coupons::Refused),
}

/// Writes the order, asks the provider for its hosted page and returns where to send the
/// buyer. `origin` is the school's own (every link it sends is on its host).
pub async fn start(
    state: &PaymentsState,
    course: &Course,
    buyer: &crate::accounts::User,
    provider: Provider,
    origin: &str,
    coupon: Option<&super::coupons::Coupon>,
) -> anyhow::Result<Result<String, StartError>> {
    let school = course.school_id;
    let Some(list_price) = course.price() else {
        anyhow::bail!("course {} is free", course.id.0);
    };
    let (price, discount) = match coupon {
        Some(c) => match super::coupons::apply(c, course.id, &list_price, crate::db::now_ms()) {
            Ok(p) => {
                let off = list_price.minor - p.minor;
                (p, Some((c.id, off)))
            }
            Err(r) => return Ok(Err(StartError::Coupon(r))),
        },
        None => (list_price, None),
    };
    let order = orders::create(
        &state.db,
        school,
        course.id,
        UserId(buyer.id),
        provider,
        &price,
        discount,
    );
    match provider {
        Provider::Stripe => {
            let Some(account) = providers::stripe(state, school).await? else {
                return Ok(Err(StartError::NotConfigured));
            };
            let order = order.await?;
            let success = format!(
                "{origin}/orders/{}/return?session_id={{CHECKOUT_SESSION_ID}}",
                order.number
            );
            let cancel = format!("{origin}/orders/{}/cancel", order.number);
            let school_id = school.0.to_string();
            let metadata = [
                ("order", order.number.as_str()),
                ("school", school_id.as_str()),
            ];
            let req = CheckoutRequest {
                amount_minor: price.minor,
                currency: &price.currency,
                product_name: &course.title,
                success_url: &success,
                cancel_url: &cancel,
                client_reference_id: &order.number,
                metadata: &metadata,
                customer_email: Some(&buyer.email),
                expires_at: None,
            };
            let client = providers::stripe_client(state, &account);
            // The order number as the idempotency key: a retried request makes no second
            // session.
            match client.create_checkout_session(&req, &order.number).await {
                Ok(session) => {
                    orders::set_provider_ref(&state.db, order.id, &session.id).await?;
                    match session.url {
                        Some(url) => Ok(Ok(url)),
                        None => anyhow::bail!("Stripe's session {} has no page", session.id),
                    }
                }
                Err(e) => {
                    orders::close_unpaid(&state.db, order.id, "failed", Some(&e.message)).await?;
                    Ok(Err(StartError::Provider(e)))
                }
            }
        }
        Provider::PayPal => {
            let Some(account) = providers::paypal(state, school).await? else {
                return Ok(Err(StartError::NotConfigured));
            };
            let order = order.await?;
            let ret = format!("{origin}/orders/{}/return", order.number);
            let cancel = format!("{origin}/orders/{}/cancel", order.number);
            let req = OrderRequest {
                amount_minor: price.minor,
                currency: &price.currency,
                custom_id: &order.number,
                description: &course.title,
                return_url: &ret,
                cancel_url: &cancel,
            };
            let client = providers::paypal_client(state, &account);
            match client.create_order(&req, &order.number).await {
                Ok(pp) => {
                    orders::set_provider_ref(&state.db, order.id, &pp.id).await?;
                    match pp.approve_url {
                        Some(url) => Ok(Ok(url)),
                        None => anyhow::bail!("PayPal's order {} has no approval link", pp.id),
                    }
                }
                Err(e) => {
                    orders::close_unpaid(&state.db, order.id, "failed", Some(&e.message)).await?;
                    Ok(Err(StartError::Provider(e)))
                }
            }
        }
    }
}

/// The buyer is back (or a webhook named the order): ask the provider what happened and
/// settle if it was paid. PayPal orders that are approved but not captured are captured
/// here. Returns the order as it stands after.
pub async fn confirm(state: &PaymentsState, order: &Order) -> anyhow::Result<()> {
    if order.is_paid() {
        return Ok(());
    }
    let Some(provider_ref) = order.provider_ref.as_deref() else {
        return Ok(());
    };
    let school = SchoolId(order.school_id);
    match order.provider() {
        Provider::Stripe => {
            let Some(account) = providers::stripe(state, school).await? else {
                return Ok(());
            };
            let session = providers::stripe_client(state, &account)
                .retrieve_checkout_session(provider_ref)
                .await?;
            stripe_session(state, order, &session).await
        }
        Provider::PayPal => {
            let Some(account) = providers::paypal(state, school).await? else {
                return Ok(());
            };
            let client = providers::paypal_client(state, &account);
            let mut pp = client.get_order(provider_ref).await?;
            if pp.status == "APPROVED" {
                pp = client
                    .capture_order(provider_ref, &format!("{}-capture", order.number))
                    .await?;
            }
            paypal_order(state, order, &pp).await
        }
    }
}

/// Settles from a Checkout Session as Stripe reported it (read by us, or in a signed event).
pub async fn stripe_session(
    state: &PaymentsState,
    order: &Order,
    s: &payments::stripe::CheckoutSession,
) -> anyhow::Result<()> {
    if s.payment_status == "paid" {
        let (Some(amount), Some(currency)) = (s.amount_total, s.currency.as_deref()) else {
            anyhow::bail!("Stripe's paid session {} has no amount", s.id);
        };
        let verified = Verified {
            payment_ref: s.payment_intent.clone().unwrap_or_else(|| s.id.clone()),
            amount_minor: amount,
            currency: currency.to_ascii_uppercase(),
        };
        orders::settle(state, order, &verified).await?;
        return Ok(());
    }
    if s.status.as_deref() == Some("expired") {
        orders::close_unpaid(&state.db, order.id, "cancelled", None).await?;
        return Ok(());
    }
    Ok(())
}

/// Settles from a PayPal order read back from PayPal: its completed capture is the payment.
pub async fn paypal_order(
    state: &PaymentsState,
    order: &Order,
    pp: &payments::paypal::Order,
) -> anyhow::Result<()> {
    if let Some(c) = pp
        .captures
        .iter()
        .find(|c| c.status == "COMPLETED" || c.status.contains("REFUNDED"))
    {
        let verified = Verified {
            payment_ref: c.id.clone(),
            amount_minor: c.amount_minor,
            currency: c.currency.to_ascii_uppercase(),
        };
        orders::settle(state, order, &verified).await?;
        return Ok(());
    }
    if pp.captures.iter().any(|c| c.status == "DECLINED") || pp.status == "VOIDED" {
        orders::close_unpaid(&state.db, order.id, "failed", Some("declined")).await?;
        return Ok(());
    }
    Ok(())
}

/// The buyer cancelled on the provider's page: the order is closed and, for Stripe, the
/// session expired so that it can't be paid later by mistake.
pub async fn cancel(state: &PaymentsState, order: &Order) -> anyhow::Result<()> {
    if order.status != "pending" {
        return Ok(());
    }
    if order.provider() == Provider::Stripe
        && let Some(r) = order.provider_ref.as_deref()
        && let Some(account) = providers::stripe(state, SchoolId(order.school_id)).await?
    {
        let client = providers::stripe_client(state, &account);
        match client.expire_checkout_session(r).await {
            Ok(s) if s.payment_status == "paid" => {
                // Paid after all (the Cancel link came from an old tab): settle instead.
                stripe_session(state, order, &s).await?;
                return Ok(());
            }
            Ok(_) => {}
            Err(e) => {
                // Completed sessions can't expire; read it back to be sure.
                let s = client.retrieve_checkout_session(r).await.map_err(|_| e)?;
                if s.payment_status == "paid" {
                    stripe_session(state, order, &s).await?;
                    return Ok(());
                }
            }
        }
    }
    orders::close_unpaid(&state.db, order.id, "cancelled", None).await?;
    Ok(())
}
