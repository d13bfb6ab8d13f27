//! The payment pages: buying a course (`/courses/{slug}/buy`), the order's page the buyer
//! returns to (`/orders/{number}`, which says "confirming your payment…" until the
//! payment is verified), its status for the page's script, the course's price
//! (`/teach/courses/{id}/price`), Settings → Payments (`/admin/payments`) and the orders
//! (`/admin/orders`, CSV, an order's page with refunds).

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::checkout::{self, StartError};
use super::coupons;
use super::orders::{self, Order};
use super::refunds::{self, RefundError};
use super::{PaymentsState, Provider, provider_message, providers};
use crate::courses::Course;
use crate::courses::price::{self, CURRENCIES, format_amount};
use crate::db::{CourseId, SchoolId, UserId};
use crate::web::{
    AppError, AppResult, Ctx, FieldCheckedForm, FieldErrors, Form, Page, check_text, render,
};

pub fn routes() -> Router<PaymentsState> {
    Router::new()
        .route("/courses/{slug}/buy", get(buy_page).post(buy))
        .route("/orders/{number}", get(order_page))
        .route("/orders/{number}/return", get(returned))
        .route("/orders/{number}/cancel", get(cancelled))
        .route("/api/orders/{number}", get(order_status))
        .route(
            "/teach/courses/{id}/price",
            get(price_page).post(save_price),
        )
        .route("/admin/payments", get(settings_page))
        .route("/admin/payments/stripe", post(save_stripe))
        .route("/admin/payments/paypal", post(save_paypal))
        .route("/admin/payments/terms", post(save_terms))
        .route("/admin/payments/{provider}/test", post(test_provider))
        .route("/admin/payments/{provider}/remove", post(remove_provider))
        .route("/admin/coupons", get(coupons_page).post(create_coupon))
        .route("/admin/coupons/{id}/deactivate", post(deactivate_coupon))
        .route("/admin/orders", get(orders_page))
        .route("/admin/orders.csv", get(orders_csv))
        .route("/admin/orders/{number}", get(admin_order))
        .route("/admin/orders/{number}/refund", post(refund))
}

fn lang(ctx: &Ctx) -> String {
    ctx.tr.lang()
}

// ---- buying ----

#[derive(askama::Template)]
#[template(path = "payments/buy.html")]
struct BuyPage {
    ctx: Ctx,
    course: Course,
    price: String,
    providers: Vec<Provider>,
    /// A payment of this buyer for this course that is still being confirmed.
    pending: Option<String>,
    error: String,
    /// The code as typed, and the price it gives (empty when none, or refused).
    coupon: String,
    discounted: String,
    coupon_error: String,
}

async fn purchasable(state: &PaymentsState, ctx: &Ctx, slug: &str) -> AppResult<Course> {
    crate::courses::by_slug(&state.db, ctx.school.id, slug)
        .await?
        .filter(|c| c.is_published() && c.price().is_some())
        .ok_or(AppError::NotFound)
}

async fn enrolled(state: &PaymentsState, course: &Course, user_id: i64) -> AppResult<bool> {
    Ok(crate::courses::progress::enrollment(
        &state.db,
        course.school_id,
        course.id,
        UserId(user_id),
    )
    .await?
    .is_some())
}

async fn buy_view(
    state: &PaymentsState,
    ctx: Ctx,
    course: Course,
    error: String,
    coupon: String,
) -> AppResult<Page> {
    let user = ctx.require_user()?;
    let providers = providers::configured(&state.db, course.school_id).await?;
    let pending = orders::of_buyer(&state.db, course.school_id, UserId(user.id), course.id)
        .await?
        .into_iter()
        .find(|o| o.status == "pending" && o.provider_ref.is_some())
        .map(|o| o.number);
    let list = course.price();
    let price = list
        .as_ref()
        .map(|p| p.display(&lang(&ctx)))
        .unwrap_or_default();
    let (mut discounted, mut coupon_error) = (String::new(), String::new());
    if !coupon.trim().is_empty()
        && let Some(list) = &list
    {
        match coupons::by_code(&state.db, course.school_id, &coupon).await? {
            None => coupon_error = ctx.t(coupons::Refused::Unknown.key()),
            Some(c) => match coupons::apply(&c, course.id, list, crate::db::now_ms()) {
                Ok(p) => discounted = p.display(&lang(&ctx)),
                Err(r) => coupon_error = ctx.t(r.key()),
            },
        }
    }
    render(&BuyPage {
        ctx,
        course,
        price,
        providers,
        pending,
        error,
        coupon,
        discounted,
        coupon_error,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BuyQuery {
    coupon: String,
}

async fn buy_page(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<BuyQuery>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let course = purchasable(&state, &ctx, &slug).await?;
    if enrolled(&state, &course, user.id).await? {
        return Ok(Redirect::to(&course.url()).into_response());
    }
    let coupon: String = q.coupon.chars().take(64).collect();
    let page = buy_view(&state, ctx, course, String::new(), coupon).await?;
    Ok(page.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BuyForm {
    provider: String,
    coupon: String,
    /// `apply`: show what the typed code takes off, pay nothing yet.
    action: String,
}

async fn buy(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<BuyForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    let course = purchasable(&state, &ctx, &slug).await?;
    if enrolled(&state, &course, user.id).await? {
        return Ok(Redirect::to(&course.url()).into_response());
    }
    if form.action == "apply" {
        let coupon: String = form.coupon.chars().take(64).collect();
        let page = buy_view(&state, ctx, course, String::new(), coupon).await?;
        return Ok(page.into_response());
    }
    let provider = Provider::parse(&form.provider)
        .ok_or_else(|| AppError::BadRequest(ctx.t("form-invalid-choice")))?;
    let origin =
        crate::schools::domains::origin(&state.db, &state.config.base_url, ctx.school.id).await?;
    let typed: String = form.coupon.chars().take(64).collect();
    let coupon = match typed.trim() {
        "" => None,
        code => coupons::by_code(&state.db, course.school_id, code).await?,
    };
    let outcome = if coupon.is_none() && !typed.trim().is_empty() {
        Err(StartError::Coupon(coupons::Refused::Unknown))
    } else {
        checkout::start(&state, &course, &user, provider, &origin, coupon.as_ref()).await?
    };
    match outcome {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(e) => {
            let status = match e {
                StartError::Coupon(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::BAD_GATEWAY,
            };
            let error = match e {
                StartError::Coupon(r) => ctx.t(r.key()),
                StartError::NotConfigured => ctx.t("payment-not-configured"),
                StartError::Provider(e) => {
                    tracing::warn!(provider = provider.as_str(), error = %e, "a checkout could not start");
                    provider_message(&ctx.tr, provider, &e)
                }
            };
            let mut resp = buy_view(&state, ctx, course, error, typed)
                .await?
                .into_response();
            *resp.status_mut() = status;
            Ok(resp)
        }
    }
}

/// The buyer's own order (an admin may look too); anyone else: 404.
async fn own_order(state: &PaymentsState, ctx: &Ctx, number: &str) -> AppResult<Order> {
    let user = ctx.require_user()?;
    let order = orders::by_number(&state.db, SchoolId(ctx.school.id), number)
        .await?
        .ok_or(AppError::NotFound)?;
    if order.user_id != user.id && !ctx.is_admin() {
        return Err(AppError::NotFound);
    }
    Ok(order)
}

#[derive(askama::Template)]
#[template(path = "payments/order.html")]
struct OrderPage {
    ctx: Ctx,
    order: Order,
    course: Course,
    amount: String,
    enrolled: bool,
}

async fn order_page(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> AppResult<Page> {
    let order = own_order(&state, &ctx, &number).await?;
    let course = crate::courses::by_id(
        &state.db,
        SchoolId(order.school_id),
        CourseId(order.course_id),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let enrolled = enrolled(&state, &course, order.user_id).await?;
    let amount = format_amount(order.amount_minor, &order.currency, &lang(&ctx));
    render(&OrderPage {
        ctx,
        order,
        course,
        amount,
        enrolled,
    })
}

/// Reads the payment from the provider; a provider that can't be reached leaves the
/// order pending (the webhook, or the next look, settles it).
async fn try_confirm(state: &PaymentsState, order: &Order) -> Order {
    if order.status == "pending"
        && let Err(e) = checkout::confirm(state, order).await
    {
        tracing::warn!(order = %order.number, error = %e, "confirming a payment failed; it stays pending");
    }
    orders::by_number(&state.db, SchoolId(order.school_id), &order.number)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| order.clone())
}

/// The provider sends the buyer back here. What the URL says (`session_id`, `token`) is
/// not believed: the order's own provider reference is read back from the provider.
async fn returned(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> AppResult<Redirect> {
    let order = own_order(&state, &ctx, &number).await?;
    try_confirm(&state, &order).await;
    Ok(Redirect::to(&format!("/orders/{}", order.number)))
}

async fn cancelled(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> AppResult<Redirect> {
    let order = own_order(&state, &ctx, &number).await?;
    if let Err(e) = checkout::cancel(&state, &order).await {
        tracing::warn!(order = %order.number, error = %e, "cancelling a checkout failed");
    }
    let course = crate::courses::by_id(
        &state.db,
        SchoolId(order.school_id),
        CourseId(order.course_id),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let after = orders::by_number(&state.db, SchoolId(order.school_id), &order.number)
        .await?
        .unwrap_or(order);
    if after.is_paid() {
        return Ok(Redirect::to(&format!("/orders/{}", after.number)));
    }
    Ok(Redirect::to(&format!("{}?payment=cancelled", course.url())))
}

#[derive(serde::Serialize)]
struct StatusAnswer {
    status: String,
    enrolled: bool,
    course_url: String,
}

async fn order_status(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> AppResult<Response> {
    let order = own_order(&state, &ctx, &number).await?;
    let order = if order.status == "pending" && orders::claim_check(&state.db, order.id).await? {
        try_confirm(&state, &order).await
    } else {
        order
    };
    let course = crate::courses::by_id(
        &state.db,
        SchoolId(order.school_id),
        CourseId(order.course_id),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let enrolled = enrolled(&state, &course, order.user_id).await?;
    let mut resp = Json(StatusAnswer {
        status: order.status,
        enrolled,
        course_url: course.url(),
    })
    .into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

// ---- the course's price ----

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct PriceForm {
    paid: String,
    amount: String,
    currency: String,
}

#[derive(askama::Template)]
#[template(path = "payments/price.html")]
struct PricePage {
    ctx: Ctx,
    course: Course,
    form: PriceForm,
    errors: FieldErrors,
    saved: bool,
    currencies: &'static [&'static str],
    configured: bool,
}

async fn managed(state: &PaymentsState, ctx: &Ctx, id: &str) -> AppResult<Course> {
    crate::courses::routes::managed_course(&state.db, ctx, id).await
}

async fn price_view(
    state: &PaymentsState,
    ctx: Ctx,
    course: Course,
    form: PriceForm,
    errors: FieldErrors,
    saved: bool,
) -> AppResult<Response> {
    let configured = !providers::configured(&state.db, course.school_id)
        .await?
        .is_empty();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = render(&PricePage {
        ctx,
        course,
        form,
        errors,
        saved,
        currencies: CURRENCIES,
        configured,
    })?
    .into_response();
    *resp.status_mut() = status;
    Ok(resp)
}

async fn price_page(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let course = managed(&state, &ctx, &id).await?;
    let form = match course.price() {
        Some(p) => PriceForm {
            paid: "on".into(),
            amount: payments::money::to_decimal(p.minor, &p.currency),
            currency: p.currency,
        },
        None => PriceForm {
            currency: providers::terms(&state.db, course.school_id)
                .await?
                .currency,
            ..Default::default()
        },
    };
    price_view(&state, ctx, course, form, FieldErrors::default(), false).await
}

async fn save_price(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FieldCheckedForm(form): FieldCheckedForm<PriceForm>,
) -> AppResult<Response> {
    let course = managed(&state, &ctx, &id).await?;
    let mut errors = FieldErrors::default();
    let price = if form.paid.is_empty() {
        None
    } else {
        match price::parse(&form.amount, &form.currency) {
            Ok(p) => Some(p),
            Err(e) => {
                let field = if e == price::PriceError::Currency {
                    "currency"
                } else {
                    "amount"
                };
                errors.add(field, ctx.t(e.key()));
                None
            }
        }
    };
    if !errors.is_empty() {
        return price_view(&state, ctx, course, form, errors, false).await;
    }
    price::set(&state.db, course.school_id, course.id, price.as_ref()).await?;
    let course = crate::courses::by_id(&state.db, course.school_id, course.id)
        .await?
        .ok_or(AppError::NotFound)?;
    price_view(&state, ctx, course, form, FieldErrors::default(), true).await
}

// ---- Settings → Payments ----

#[derive(askama::Template)]
#[template(path = "payments/settings.html")]
struct SettingsPage {
    ctx: Ctx,
    stripe: providers::Summary,
    paypal: providers::Summary,
    stripe_webhook_url: String,
    paypal_webhook_url: String,
    terms: providers::Terms,
    currencies: &'static [&'static str],
    /// The outcome of the last action (saved, a test's answer).
    notice: String,
    error: String,
    errors: FieldErrors,
}

async fn settings_view(
    state: &PaymentsState,
    ctx: Ctx,
    notice: String,
    error: String,
    errors: FieldErrors,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let school = SchoolId(ctx.school.id);
    let mut all = providers::summaries(&state.db, school).await?.into_iter();
    let stripe = all.next().map(|(_, s)| s).unwrap_or_default();
    let paypal = all.next().map(|(_, s)| s).unwrap_or_default();
    let origin =
        crate::schools::domains::origin(&state.db, &state.config.base_url, ctx.school.id).await?;
    let terms = providers::terms(&state.db, school).await?;
    let status = if errors.is_empty() && error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = render(&SettingsPage {
        stripe_webhook_url: format!("{origin}/webhooks/stripe/{}", ctx.school.id),
        paypal_webhook_url: format!("{origin}/webhooks/paypal/{}", ctx.school.id),
        ctx,
        stripe,
        paypal,
        terms,
        currencies: CURRENCIES,
        notice,
        error,
        errors,
    })?
    .into_response();
    *resp.status_mut() = status;
    Ok(resp)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    saved: String,
}

async fn settings_page(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let notice = if q.saved.is_empty() {
        String::new()
    } else {
        ctx.t("payment-settings-saved")
    };
    settings_view(&state, ctx, notice, String::new(), FieldErrors::default()).await
}

/// A secret as typed: surrounding blanks dropped; empty means "keep the stored one".
fn typed(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

fn check_secret(
    errors: &mut FieldErrors,
    ctx: &Ctx,
    field: &'static str,
    value: Option<&str>,
    prefixes: &[&str],
) {
    if let Some(v) = value {
        if v.len() > 500 || v.chars().any(|c| c.is_control() || c.is_whitespace()) {
            errors.add(field, ctx.t("payment-secret-invalid"));
        } else if !prefixes.is_empty() && !prefixes.iter().any(|p| v.starts_with(p)) {
            errors.add(
                field,
                ctx.t1("payment-secret-prefix", "prefix", prefixes.join(", ")),
            );
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StripeForm {
    secret_key: String,
    webhook_secret: String,
}

async fn save_stripe(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    FieldCheckedForm(form): FieldCheckedForm<StripeForm>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let school = SchoolId(ctx.school.id);
    let mut errors = FieldErrors::default();
    let key = typed(&form.secret_key);
    let hook = typed(&form.webhook_secret);
    check_secret(&mut errors, &ctx, "secret_key", key, &["sk_", "rk_"]);
    check_secret(&mut errors, &ctx, "webhook_secret", hook, &["whsec_"]);
    if key.is_none() && !providers::exists(&state.db, school, Provider::Stripe).await? {
        errors.add("secret_key", ctx.t("payment-secret-required"));
    }
    if !errors.is_empty() {
        return settings_view(&state, ctx, String::new(), String::new(), errors).await;
    }
    providers::save_stripe(
        &state,
        school,
        providers::StripeInput {
            secret_key: key,
            webhook_secret: hook,
        },
    )
    .await?;
    Ok(Redirect::to("/admin/payments?saved=1").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PayPalForm {
    client_id: String,
    secret: String,
    webhook_id: String,
    sandbox: String,
}

async fn save_paypal(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    FieldCheckedForm(form): FieldCheckedForm<PayPalForm>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let school = SchoolId(ctx.school.id);
    let mut errors = FieldErrors::default();
    let client_id = form.client_id.trim();
    let secret = typed(&form.secret);
    let webhook_id = form.webhook_id.trim();
    if client_id.is_empty() {
        errors.add("client_id", ctx.t("payment-secret-required"));
    }
    check_secret(&mut errors, &ctx, "client_id", typed(client_id), &[]);
    check_secret(&mut errors, &ctx, "secret", secret, &[]);
    check_text(&mut errors, &ctx.tr, "webhook_id", webhook_id, 100);
    if secret.is_none() && !providers::exists(&state.db, school, Provider::PayPal).await? {
        errors.add("secret", ctx.t("payment-secret-required"));
    }
    if !errors.is_empty() {
        return settings_view(&state, ctx, String::new(), String::new(), errors).await;
    }
    providers::save_paypal(
        &state,
        school,
        providers::PayPalInput {
            client_id,
            secret,
            webhook_id,
            sandbox: !form.sandbox.is_empty(),
        },
    )
    .await?;
    Ok(Redirect::to("/admin/payments?saved=1").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TermsForm {
    currency: String,
    refund_removes_access: String,
}

async fn save_terms(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Form(form): Form<TermsForm>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let currency = form.currency.trim().to_ascii_uppercase();
    if !CURRENCIES.contains(&currency.as_str()) {
        let mut errors = FieldErrors::default();
        errors.add("currency", ctx.t("price-currency-invalid"));
        return settings_view(&state, ctx, String::new(), String::new(), errors).await;
    }
    providers::set_terms(
        &state.db,
        SchoolId(ctx.school.id),
        &providers::Terms {
            currency,
            refund_removes_access: i64::from(!form.refund_removes_access.is_empty()),
        },
    )
    .await?;
    Ok(Redirect::to("/admin/payments?saved=1").into_response())
}

async fn test_provider(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(provider): Path<String>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let provider = Provider::parse(&provider).ok_or(AppError::NotFound)?;
    let school = SchoolId(ctx.school.id);
    let result = match provider {
        Provider::Stripe => match providers::stripe(&state, school).await? {
            Some(a) => Some(
                providers::stripe_client(&state, &a)
                    .check_credentials()
                    .await,
            ),
            None => None,
        },
        Provider::PayPal => match providers::paypal(&state, school).await? {
            Some(a) => Some(
                providers::paypal_client(&state, &a)
                    .check_credentials()
                    .await,
            ),
            None => None,
        },
    };
    let (notice, error) = match result {
        None => (String::new(), ctx.t("payment-not-configured")),
        Some(Ok(())) => (
            ctx.t1("payment-test-ok", "provider", provider.label()),
            String::new(),
        ),
        Some(Err(e)) => (String::new(), provider_message(&ctx.tr, provider, &e)),
    };
    settings_view(&state, ctx, notice, error, FieldErrors::default()).await
}

async fn remove_provider(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(provider): Path<String>,
) -> AppResult<Redirect> {
    ctx.require_admin()?;
    let provider = Provider::parse(&provider).ok_or(AppError::NotFound)?;
    providers::remove(&state.db, SchoolId(ctx.school.id), provider).await?;
    Ok(Redirect::to("/admin/payments?saved=1"))
}

// ---- coupons ----

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct CouponForm {
    code: String,
    kind: String,
    value: String,
    currency: String,
    course_id: String,
    expires_on: String,
    max_uses: String,
}

#[derive(askama::Template)]
#[template(path = "payments/coupons.html")]
struct CouponsPage {
    ctx: Ctx,
    coupons: Vec<coupons::Coupon>,
    courses: Vec<Course>,
    form: CouponForm,
    errors: FieldErrors,
    currencies: &'static [&'static str],
}

impl CouponsPage {
    fn off(&self, c: &coupons::Coupon) -> String {
        match (c.percent_off, c.amount_off_minor, &c.currency) {
            (Some(p), _, _) => format!("{p} %"),
            (None, Some(a), Some(cur)) => format_amount(a, cur, &self.ctx.tr.lang()),
            _ => String::new(),
        }
    }
    fn course_title(&self, id: &Option<i64>) -> String {
        match id {
            None => self.ctx.t("coupon-all-courses"),
            Some(id) => self
                .courses
                .iter()
                .find(|c| c.id.0 == *id)
                .map(|c| c.title.clone())
                .unwrap_or_default(),
        }
    }
    fn date(&self, ms: &i64) -> String {
        self.ctx.local_date(ms)
    }
}

async fn coupons_view(
    state: &PaymentsState,
    ctx: Ctx,
    form: CouponForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let user = ctx.require_admin()?.clone();
    let school = SchoolId(ctx.school.id);
    let list = coupons::list(&state.db, school).await?;
    let courses = crate::courses::managed_by(&state.db, &user).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = render(&CouponsPage {
        ctx,
        coupons: list,
        courses,
        form,
        errors,
        currencies: CURRENCIES,
    })?
    .into_response();
    *resp.status_mut() = status;
    Ok(resp)
}

async fn coupons_page(State(state): State<PaymentsState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require_admin()?;
    let currency = providers::terms(&state.db, SchoolId(ctx.school.id))
        .await?
        .currency;
    let form = CouponForm {
        kind: "percent".into(),
        currency,
        ..Default::default()
    };
    coupons_view(&state, ctx, form, FieldErrors::default()).await
}

async fn create_coupon(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    FieldCheckedForm(form): FieldCheckedForm<CouponForm>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let school = SchoolId(ctx.school.id);
    let mut errors = FieldErrors::default();
    let code = coupons::normalise(&form.code);
    if code.is_empty()
        || code.chars().count() > 40
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.add("code", ctx.t("coupon-code-invalid"));
    }
    let (mut percent, mut amount) = (None, None);
    if form.kind == "amount" {
        match price::parse(&form.value, &form.currency) {
            Ok(p) => amount = Some(p),
            Err(e) => errors.add("value", ctx.t(e.key())),
        }
    } else {
        match form
            .value
            .trim()
            .trim_end_matches('%')
            .trim()
            .parse::<i64>()
        {
            Ok(p) if (1..=99).contains(&p) => percent = Some(p),
            _ => errors.add("value", ctx.t("coupon-percent-invalid")),
        }
    }
    let course_id = match form.course_id.trim() {
        "" => None,
        id => match id.parse::<i64>() {
            Ok(id)
                if crate::courses::by_id(&state.db, school, CourseId(id))
                    .await?
                    .is_some() =>
            {
                Some(CourseId(id))
            }
            _ => {
                errors.add("course_id", ctx.t("form-invalid-choice"));
                None
            }
        },
    };
    let expires_at = match form.expires_on.trim() {
        "" => None,
        d => match d.parse::<jiff::civil::Date>() {
            // The end of that day where the admin is.
            Ok(day) => day
                .tomorrow()
                .ok()
                .and_then(|t| t.to_zoned(ctx.tz.clone()).ok())
                .map(|z| z.timestamp().as_millisecond()),
            Err(_) => {
                errors.add("expires_on", ctx.t("coupon-date-invalid"));
                None
            }
        },
    };
    let max_uses = match form.max_uses.trim() {
        "" => None,
        n => match n.parse::<i64>() {
            Ok(n) if (1..=1_000_000).contains(&n) => Some(n),
            _ => {
                errors.add("max_uses", ctx.t("coupon-max-uses-invalid"));
                None
            }
        },
    };
    if errors.is_empty() {
        let created = coupons::create(
            &state.db,
            school,
            &coupons::NewCoupon {
                code: &code,
                course_id,
                percent_off: percent,
                amount_off: amount.as_ref(),
                expires_at,
                max_uses,
            },
        )
        .await?;
        if created {
            return Ok(Redirect::to("/admin/coupons").into_response());
        }
        errors.add("code", ctx.t("coupon-code-taken"));
    }
    coupons_view(&state, ctx, form, errors).await
}

async fn deactivate_coupon(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Redirect> {
    ctx.require_admin()?;
    let id = crate::courses::routes::parse_id(&id)?;
    if !coupons::deactivate(&state.db, SchoolId(ctx.school.id), id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/admin/coupons"))
}

// ---- orders ----

#[derive(askama::Template)]
#[template(path = "payments/orders.html")]
struct OrdersPage {
    ctx: Ctx,
    orders: Vec<orders::Listed>,
    filter: orders::Filter,
    csv_query: String,
}

impl OrdersPage {
    fn amount(&self, o: &Order) -> String {
        format_amount(o.amount_minor, &o.currency, &self.ctx.tr.lang())
    }
    fn date(&self, ms: &i64) -> String {
        self.ctx.local_date(ms)
    }
}

async fn orders_page(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Query(filter): Query<orders::Filter>,
) -> AppResult<Page> {
    ctx.require_admin()?;
    let list = orders::list(&state.db, SchoolId(ctx.school.id), &filter, 500).await?;
    let csv_query = serde_urlencoded_pairs(&filter);
    render(&OrdersPage {
        ctx,
        orders: list,
        filter,
        csv_query,
    })
}

fn serde_urlencoded_pairs(f: &orders::Filter) -> String {
    let mut u = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("status", &f.status),
        ("provider", &f.provider),
        ("course", &f.course),
        ("q", &f.q),
        ("flagged", &f.flagged),
    ] {
        if !v.is_empty() {
            u.append_pair(k, v);
        }
    }
    u.finish()
}

/// A CSV cell: quoted, and a leading `=`, `+`, `-`, `@` defused so a spreadsheet doesn't
/// run it as a formula.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

async fn orders_csv(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Query(filter): Query<orders::Filter>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let list = orders::list(&state.db, SchoolId(ctx.school.id), &filter, 100_000).await?;
    let mut out = String::from(
        "number,created_at,status,flag,provider,course,buyer_email,buyer_name,amount,currency,refunded,provider_ref,payment_ref\r\n",
    );
    for l in &list {
        let o = &l.order;
        let created = jiff::Timestamp::from_millisecond(o.created_at)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let row = [
            cell(&o.number),
            cell(&created),
            cell(&o.status),
            cell(o.flag.as_deref().unwrap_or_default()),
            cell(&o.provider),
            cell(&l.course_title),
            cell(&l.buyer_email),
            cell(&l.buyer_name),
            cell(&payments::money::to_decimal(o.amount_minor, &o.currency)),
            cell(&o.currency),
            cell(&payments::money::to_decimal(o.refunded_minor, &o.currency)),
            cell(o.provider_ref.as_deref().unwrap_or_default()),
            cell(o.payment_ref.as_deref().unwrap_or_default()),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    let mut resp = out.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"orders.csv\""),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

#[derive(askama::Template)]
#[template(path = "payments/admin_order.html")]
struct AdminOrderPage {
    ctx: Ctx,
    order: Order,
    course: Course,
    buyer: Option<crate::accounts::User>,
    refunds: Vec<orders::RefundRow>,
    refundable: String,
    notice: String,
    error: String,
}

impl AdminOrderPage {
    fn amount(&self, minor: &i64) -> String {
        format_amount(*minor, &self.order.currency, &self.ctx.tr.lang())
    }
    fn date(&self, ms: &i64) -> String {
        self.ctx.local_date(ms)
    }
}

async fn admin_order_view(
    state: &PaymentsState,
    ctx: Ctx,
    number: &str,
    notice: String,
    error: String,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let school = SchoolId(ctx.school.id);
    let order = orders::by_number(&state.db, school, number)
        .await?
        .ok_or(AppError::NotFound)?;
    let course = crate::courses::by_id(&state.db, school, CourseId(order.course_id))
        .await?
        .ok_or(AppError::NotFound)?;
    let buyer = crate::accounts::by_id(&state.db, school.0, order.user_id).await?;
    let refunds = orders::refunds_of(&state.db, order.id).await?;
    let refundable = payments::money::to_decimal(order.refundable(), &order.currency);
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = render(&AdminOrderPage {
        ctx,
        order,
        course,
        buyer,
        refunds,
        refundable,
        notice,
        error,
    })?
    .into_response();
    *resp.status_mut() = status;
    Ok(resp)
}

async fn admin_order(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> AppResult<Response> {
    admin_order_view(&state, ctx, &number, String::new(), String::new()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RefundForm {
    amount: String,
}

async fn refund(
    State(state): State<PaymentsState>,
    ctx: Ctx,
    Path(number): Path<String>,
    Form(form): Form<RefundForm>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let order = orders::by_number(&state.db, SchoolId(ctx.school.id), &number)
        .await?
        .ok_or(AppError::NotFound)?;
    let amount = match form.amount.trim() {
        "" => None,
        typed => match payments::money::from_decimal(&typed.replace(',', "."), &order.currency) {
            Some(m) if m > 0 => Some(m),
            _ => {
                let error = ctx.t("price-amount-invalid");
                return admin_order_view(&state, ctx, &number, String::new(), error).await;
            }
        },
    };
    let (notice, error) = match refunds::refund(&state, &order, amount).await? {
        Ok(r) => (
            ctx.t1(
                if r.removed_access {
                    "payment-refunded-access-removed"
                } else {
                    "payment-refunded"
                },
                "amount",
                format_amount(r.amount_minor, &order.currency, &lang(&ctx)),
            ),
            String::new(),
        ),
        Err(RefundError::TooMuch) => (String::new(), ctx.t("payment-refund-too-much")),
        Err(RefundError::NotPaid) => (String::new(), ctx.t("payment-refund-not-paid")),
        Err(RefundError::NotConfigured) => (String::new(), ctx.t("payment-not-configured")),
        Err(RefundError::Provider(e)) => {
            tracing::warn!(order = %order.number, error = %e, "a refund failed");
            (
                String::new(),
                provider_message(&ctx.tr, order.provider(), &e),
            )
        }
    };
    admin_order_view(&state, ctx, &number, notice, error).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(super::cell("a\"b"), "\"a\"\"b\"");
        assert_eq!(super::cell("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
        assert_eq!(super::cell("-5"), "\"'-5\"");
        assert_eq!(super::cell("plain"), "\"plain\"");
    }
}
