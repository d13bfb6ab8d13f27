//! How much of a video lesson a student watched: the player reports the ranges it played;
//! they are merged (rewatching counts once, skipping ahead counts nothing) and capped to
//! the video's duration. The `video_watch` table is this module's.

use crate::db::{Db, LessonId, SchoolId, UserId};

/// Milliseconds from a player's seconds; `None` for NaN, negatives or absurd values.
pub fn seconds_to_ms(s: f64) -> Option<i64> {
    (s.is_finite() && (0.0..=7.0 * 24.0 * 3600.0).contains(&s)).then(|| (s * 1000.0).round() as i64)
}

/// `ranges` merged into sorted, disjoint ranges within `0..=cap`.
pub fn merge(mut ranges: Vec<(i64, i64)>, cap: i64) -> Vec<(i64, i64)> {
    ranges.retain(|(a, b)| a < b);
    ranges.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        let (a, b) = (a.clamp(0, cap), b.clamp(0, cap));
        if a >= b {
            continue;
        }
        match out.last_mut() {
            // Touching or overlapping (a second's slack: reports cut at whole frames).
            Some(last) if a <= last.1 + 1000 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

pub fn total(ranges: &[(i64, i64)]) -> i64 {
    ranges.iter().map(|(a, b)| b - a).sum()
}

/// Adds a report to what the student watched; returns the watched share (0.0–1.0).
pub async fn record(
    db: &Db,
    school: SchoolId,
    lesson: LessonId,
    user: UserId,
    duration_ms: i64,
    ranges: &[(i64, i64)],
) -> sqlx::Result<f64> {
    let mut tx = db.pool.begin().await?;
    let old: Option<(String, i64)> = sqlx::query_as(
        "SELECT ranges, duration_ms FROM video_watch WHERE lesson_id = $1 AND user_id = $2 AND school_id = $3",
    )
    .bind(lesson.0)
    .bind(user.0)
    .bind(school.0)
    .fetch_optional(&mut *tx)
    .await?;
    let mut all: Vec<(i64, i64)> = old
        .as_ref()
        .and_then(|(r, _)| serde_json::from_str(r).ok())
        .unwrap_or_default();
    all.extend_from_slice(ranges);
    // The longest duration any report gave: a video's metadata can grow while it loads.
    let duration = old.map_or(duration_ms, |(_, d)| d.max(duration_ms));
    let merged = merge(all, duration);
    let watched = total(&merged);
    let json = serde_json::to_string(&merged).unwrap_or_else(|_| "[]".into());
    let now = db.now_ms();
    sqlx::query(
        "INSERT INTO video_watch (school_id, lesson_id, user_id, duration_ms, watched_ms, ranges, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (lesson_id, user_id) DO UPDATE SET duration_ms = $4, watched_ms = $5, ranges = $6, updated_at = $7",
    )
    .bind(school.0)
    .bind(lesson.0)
    .bind(user.0)
    .bind(duration)
    .bind(watched)
    .bind(json)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(share(watched, duration))
}

fn share(watched: i64, duration: i64) -> f64 {
    if duration <= 0 {
        0.0
    } else {
        (watched as f64 / duration as f64).clamp(0.0, 1.0)
    }
}

/// The student's watched share of a lesson's video (`None`: never played).
pub async fn watched_share(
    db: &Db,
    school: SchoolId,
    lesson: LessonId,
    user: UserId,
) -> sqlx::Result<Option<f64>> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT watched_ms, duration_ms FROM video_watch WHERE lesson_id = $1 AND user_id = $2 AND school_id = $3",
    )
    .bind(lesson.0)
    .bind(user.0)
    .bind(school.0)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(w, d)| share(w, d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewatching_counts_once_and_skipping_counts_nothing() {
        let m = merge(vec![(0, 10_000), (5_000, 15_000), (40_000, 50_000)], 60_000);
        assert_eq!(m, vec![(0, 15_000), (40_000, 50_000)]);
        assert_eq!(total(&m), 25_000);
    }

    #[test]
    fn ranges_are_capped_to_the_video_and_empty_ones_dropped() {
        let m = merge(
            vec![(50_000, 90_000), (-5, 0), (7_000, 7_000), (20, 10)],
            60_000,
        );
        assert_eq!(m, vec![(50_000, 60_000)]);
    }

    #[test]
    fn reports_cut_at_frames_join_up() {
        let m = merge(vec![(0, 9_960), (10_000, 20_000)], 60_000);
        assert_eq!(m, vec![(0, 20_000)]);
    }

    #[test]
    fn nonsense_seconds_are_refused() {
        assert_eq!(seconds_to_ms(1.5), Some(1_500));
        assert_eq!(seconds_to_ms(f64::NAN), None);
        assert_eq!(seconds_to_ms(-1.0), None);
        assert_eq!(seconds_to_ms(1e12), None);
    }
}
