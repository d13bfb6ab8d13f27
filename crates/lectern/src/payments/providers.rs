//! A school's accounts at Stripe and PayPal (`payment_providers`): secrets sealed at rest,
//! bound to the school and provider so a sealed value copied to another row doesn't open.

use payments::Secret;
use payments::paypal::PayPalClient;
use payments::stripe::StripeClient;

use super::{PaymentsState, Provider};
use crate::db::{Db, SchoolId, now_ms};

fn aad(school_id: SchoolId, provider: Provider, which: &str) -> String {
    format!(
        "payment-provider:{}:{}:{which}",
        school_id.0,
        provider.as_str()
    )
}

/// A school's Stripe account.
#[derive(Clone, Debug)]
pub struct StripeAccount {
    pub secret_key: Secret,
    /// `whsec_…`: without it, no webhook of this school is accepted.
    pub webhook_secret: Option<Secret>,
}

/// A school's PayPal app.
#[derive(Clone, Debug)]
pub struct PayPalAccount {
    pub client_id: String,
    pub secret: Secret,
    /// The webhook's id at PayPal (part of every signed message).
    pub webhook_id: String,
    pub sandbox: bool,
}

/// What the settings page shows of a provider: never a secret.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub configured: bool,
    /// `sk_test_…4242`: enough to tell keys apart.
    pub hint: String,
    pub public_id: String,
    pub webhook_id: String,
    pub sandbox: bool,
    pub has_webhook_secret: bool,
}

/// The first part of a key (its kind, `sk_live` or `sk_test`) and its last four
/// characters.
pub fn hint(secret: &str) -> String {
    let kind: String = secret.split('_').take(2).collect::<Vec<_>>().join("_");
    let chars: Vec<char> = secret.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    if secret.contains('_') && kind.len() < secret.len() {
        format!("{kind}_…{tail}")
    } else {
        format!("…{tail}")
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    public_id: String,
    secret_sealed: String,
    webhook_secret_sealed: Option<String>,
    webhook_id: String,
    sandbox: i64,
    account_hint: String,
}

async fn row(db: &Db, school_id: SchoolId, provider: Provider) -> sqlx::Result<Option<Row>> {
    sqlx::query_as::<_, Row>(
        "SELECT public_id, secret_sealed, webhook_secret_sealed, webhook_id, sandbox, account_hint
         FROM payment_providers WHERE school_id = $1 AND provider = $2",
    )
    .bind(school_id)
    .bind(provider.as_str())
    .fetch_optional(&db.pool)
    .await
}

fn open(
    state: &PaymentsState,
    school_id: SchoolId,
    provider: Provider,
    which: &str,
    sealed: &str,
) -> anyhow::Result<Secret> {
    let bytes = state
        .config
        .secret_key
        .open(sealed, &aad(school_id, provider, which))?;
    Ok(Secret::new(String::from_utf8(bytes)?))
}

pub async fn stripe(
    state: &PaymentsState,
    school_id: SchoolId,
) -> anyhow::Result<Option<StripeAccount>> {
    let Some(r) = row(&state.db, school_id, Provider::Stripe).await? else {
        return Ok(None);
    };
    Ok(Some(StripeAccount {
        secret_key: open(
            state,
            school_id,
            Provider::Stripe,
            "secret",
            &r.secret_sealed,
        )?,
        webhook_secret: r
            .webhook_secret_sealed
            .as_deref()
            .map(|s| open(state, school_id, Provider::Stripe, "webhook", s))
            .transpose()?,
    }))
}

pub async fn paypal(
    state: &PaymentsState,
    school_id: SchoolId,
) -> anyhow::Result<Option<PayPalAccount>> {
    let Some(r) = row(&state.db, school_id, Provider::PayPal).await? else {
        return Ok(None);
    };
    Ok(Some(PayPalAccount {
        secret: open(
            state,
            school_id,
            Provider::PayPal,
            "secret",
            &r.secret_sealed,
        )?,
        client_id: r.public_id,
        webhook_id: r.webhook_id,
        sandbox: r.sandbox == 1,
    }))
}

pub fn stripe_client(state: &PaymentsState, a: &StripeAccount) -> StripeClient {
    StripeClient::new(
        state.http.clone(),
        &state.config.payments.stripe_api_base,
        a.secret_key.clone(),
    )
}

pub fn paypal_client(state: &PaymentsState, a: &PayPalAccount) -> PayPalClient {
    let base = if a.sandbox {
        &state.config.payments.paypal_sandbox_base
    } else {
        &state.config.payments.paypal_live_base
    };
    PayPalClient::new(state.http.clone(), base, &a.client_id, a.secret.clone())
}

/// Each provider's summary, in `Provider::ALL` order.
pub async fn summaries(db: &Db, school_id: SchoolId) -> sqlx::Result<Vec<(Provider, Summary)>> {
    let mut out = Vec::new();
    for p in Provider::ALL {
        let s = match row(db, school_id, p).await? {
            Some(r) => Summary {
                configured: true,
                hint: r.account_hint,
                public_id: r.public_id,
                webhook_id: r.webhook_id,
                sandbox: r.sandbox == 1,
                has_webhook_secret: r.webhook_secret_sealed.is_some(),
            },
            None => Summary::default(),
        };
        out.push((p, s));
    }
    Ok(out)
}

/// The providers a buyer can pay with at this school.
pub async fn configured(db: &Db, school_id: SchoolId) -> sqlx::Result<Vec<Provider>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT provider FROM payment_providers WHERE school_id = $1 ORDER BY provider DESC",
    )
    .bind(school_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().filter_map(|p| Provider::parse(p)).collect())
}

/// What an admin typed for Stripe; a blank secret keeps the stored one.
pub struct StripeInput<'a> {
    pub secret_key: Option<&'a str>,
    pub webhook_secret: Option<&'a str>,
}

pub async fn save_stripe(
    state: &PaymentsState,
    school_id: SchoolId,
    input: StripeInput<'_>,
) -> anyhow::Result<()> {
    let existing = row(&state.db, school_id, Provider::Stripe).await?;
    let key = &state.config.secret_key;
    let (secret_sealed, account_hint) = match (input.secret_key, &existing) {
        (Some(s), _) => (
            key.seal(s.as_bytes(), &aad(school_id, Provider::Stripe, "secret")),
            hint(s),
        ),
        (None, Some(r)) => (r.secret_sealed.clone(), r.account_hint.clone()),
        (None, None) => anyhow::bail!("a Stripe secret key is required"),
    };
    let webhook_sealed = match (input.webhook_secret, &existing) {
        (Some(s), _) => Some(key.seal(s.as_bytes(), &aad(school_id, Provider::Stripe, "webhook"))),
        (None, Some(r)) => r.webhook_secret_sealed.clone(),
        (None, None) => None,
    };
    upsert(
        &state.db,
        school_id,
        Provider::Stripe,
        "",
        &secret_sealed,
        webhook_sealed.as_deref(),
        "",
        false,
        &account_hint,
    )
    .await?;
    Ok(())
}

pub struct PayPalInput<'a> {
    pub client_id: &'a str,
    pub secret: Option<&'a str>,
    pub webhook_id: &'a str,
    pub sandbox: bool,
}

pub async fn save_paypal(
    state: &PaymentsState,
    school_id: SchoolId,
    input: PayPalInput<'_>,
) -> anyhow::Result<()> {
    let existing = row(&state.db, school_id, Provider::PayPal).await?;
    let secret_sealed = match (input.secret, &existing) {
        (Some(s), _) => state
            .config
            .secret_key
            .seal(s.as_bytes(), &aad(school_id, Provider::PayPal, "secret")),
        (None, Some(r)) => r.secret_sealed.clone(),
        (None, None) => anyhow::bail!("a PayPal secret is required"),
    };
    upsert(
        &state.db,
        school_id,
        Provider::PayPal,
        input.client_id,
        &secret_sealed,
        None,
        input.webhook_id,
        input.sandbox,
        &hint(input.client_id),
    )
    .await?;
    Ok(())
}

/// Whether a provider has a stored secret already (the form may then leave it blank).
pub async fn exists(db: &Db, school_id: SchoolId, provider: Provider) -> sqlx::Result<bool> {
    Ok(row(db, school_id, provider).await?.is_some())
}

#[allow(clippy::too_many_arguments)]
async fn upsert(
    db: &Db,
    school_id: SchoolId,
    provider: Provider,
    public_id: &str,
    secret_sealed: &str,
    webhook_secret_sealed: Option<&str>,
    webhook_id: &str,
    sandbox: bool,
    account_hint: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO payment_providers (school_id, provider, public_id, secret_sealed, webhook_secret_sealed, webhook_id, sandbox, account_hint, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (school_id, provider) DO UPDATE SET public_id = excluded.public_id,
           secret_sealed = excluded.secret_sealed, webhook_secret_sealed = excluded.webhook_secret_sealed,
           webhook_id = excluded.webhook_id, sandbox = excluded.sandbox,
           account_hint = excluded.account_hint, updated_at = excluded.updated_at",
    )
    .bind(school_id)
    .bind(provider.as_str())
    .bind(public_id)
    .bind(secret_sealed)
    .bind(webhook_secret_sealed)
    .bind(webhook_id)
    .bind(i64::from(sandbox))
    .bind(account_hint)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Disconnects a provider: its credentials are deleted.
pub async fn remove(db: &Db, school_id: SchoolId, provider: Provider) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM payment_providers WHERE school_id = $1 AND provider = $2")
        .bind(school_id)
        .bind(provider.as_str())
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hint_shows_the_kind_and_the_last_four_only() {
        assert_eq!(super::hint("sk_test_51Habcdef4242"), "sk_test_…4242");
        assert_eq!(super::hint("AbCdEfGh1234"), "…1234");
        assert_eq!(super::hint("ab"), "…ab");
    }
}

/// The school's selling terms (`schools.currency`, `schools.refund_removes_access`).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Terms {
    pub currency: String,
    pub refund_removes_access: i64,
}

pub async fn terms(db: &Db, school_id: SchoolId) -> sqlx::Result<Terms> {
    sqlx::query_as::<_, Terms>("SELECT currency, refund_removes_access FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_one(&db.pool)
        .await
}

pub async fn set_terms(db: &Db, school_id: SchoolId, t: &Terms) -> sqlx::Result<()> {
    sqlx::query("UPDATE schools SET currency = $1, refund_removes_access = $2 WHERE id = $3")
        .bind(&t.currency)
        .bind(t.refund_removes_access)
        .bind(school_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
