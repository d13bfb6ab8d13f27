//! The database's own catalogue of a table's columns: what an export reads and what an
//! import may write, with each column's kind (the schema holds integers and text only:
//! instants are epoch milliseconds, booleans 0/1). Generated columns (PostgreSQL's search
//! vector) are not listed: the database fills them.

use sqlx::{AnyConnection, Row};

use crate::db::Backend;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// The columns of `table`, in their order; empty when there is no such table.
pub async fn columns(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
) -> sqlx::Result<Vec<Column>> {
    let sql = match backend {
        Backend::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
             ORDER BY ordinal_position"
        }
    };
    let rows = sqlx::query(sql).bind(table).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let name: String = r.try_get(0)?;
            let ty: String = r.try_get(1)?;
            let ty = ty.to_ascii_lowercase();
            let kind = if ty.contains("int") {
                Kind::Int
            } else {
                Kind::Text
            };
            Ok(Column { name, kind })
        })
        .collect()
}
