//! Row ids that cross module boundaries, one type per table, so that a school id passed
//! where a lesson id belongs does not compile. Stored and bound as the `i64` they wrap.

use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// `schools.id`.
    SchoolId
);
id!(
    /// `courses.id`.
    CourseId
);
id!(
    /// `lessons.id`.
    LessonId
);
id!(
    /// `users.id`.
    UserId
);
