//! The school's users (`users:read`; admins only): a cursor-paged list, filtered by role
//! and by when they last changed, and one user.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{self, Page};
use super::{ApiError, ApiQuery, ApiResult, ApiState, Caller, instant, parse_instant, path_id};
use crate::accounts::{self, Role, UserListed};

#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// `admin`, `instructor` or `student`.
    pub role: String,
    pub timezone: String,
    pub language: Option<String>,
    pub created_at: String,
    /// When the name, e-mail, role, zone or language last changed.
    pub updated_at: String,
}

impl UserOut {
    fn of(u: UserListed) -> UserOut {
        UserOut {
            id: u.user.id,
            email: u.user.email,
            display_name: u.user.display_name,
            role: u.user.role.as_str().to_string(),
            timezone: u.user.timezone,
            language: u.user.language,
            created_at: instant(u.created_at),
            updated_at: instant(u.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsers {
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1–100 (default 50).
    pub limit: Option<i64>,
    /// `admin`, `instructor` or `student`.
    pub role: Option<String>,
    /// Only users changed (or created) at or after this instant (RFC 3339).
    pub updated_since: Option<String>,
}

fn admin(caller: &Caller) -> ApiResult<()> {
    caller.need("users:read")?;
    if caller.user.is_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the school's admins list its users",
        ))
    }
}

/// The school's users, by id.
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users",
    params(ListUsers),
    responses(
        (status = 200, description = "A page of users", body = Page<UserOut>),
        (status = 403, description = "The token lacks users:read, or the user is not an admin", body = super::error::ErrorBody),
        super::error::Common,
        super::error::BadQuery,
    )
)]
pub async fn list(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<ListUsers>,
) -> ApiResult<Json<Page<UserOut>>> {
    admin(&caller)?;
    let limit = page::limit(q.limit)?;
    let after = page::after("users", q.cursor.as_deref())?;
    let role = q
        .role
        .as_deref()
        .map(|r| {
            Role::parse(r).ok_or_else(|| ApiError::field("role", "admin, instructor or student"))
        })
        .transpose()?;
    let since = parse_instant("updated_since", q.updated_since.as_deref())?;
    let rows = accounts::page(
        &state.db,
        caller.user.school_id,
        role,
        since,
        after,
        limit + 1,
    )
    .await?;
    Ok(Json(page::page(
        "users",
        limit,
        rows,
        |u| u.user.id,
        UserOut::of,
    )))
}

/// One user of the school.
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = UserOut),
        (status = 403, description = "The token lacks users:read, or the user is not an admin", body = super::error::ErrorBody),
        (status = 404, description = "No such user in this school", body = super::error::ErrorBody),
        super::error::Common,
    )
)]
pub async fn get(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<UserOut>> {
    admin(&caller)?;
    let id = path_id(&id, "user")?;
    let u = accounts::listed(&state.db, caller.user.school_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(UserOut::of(u)))
}
