//! Multiple-choice quizzes: how instructors write them, how they are stored (JSON in
//! `lessons.quiz_json`) and how an attempt is graded.
//!
//! Instructors write questions as plain text, one block per question:
//!
//! ```text
//! ? What is 2 + 2?
//! - 3
//! * 4
//! - 5
//! ```
//!
//! `?` starts a question, `-` is a wrong choice, `*` the right one. Blank lines are ignored.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub(crate) const DEFAULT_PASS_MARK: i64 = 70;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Quiz {
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub prompt: String,
    pub choices: Vec<String>,
    /// Index into `choices`.
    pub correct: usize,
}

/// What is wrong with a quiz text; `question` counts from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QuizError {
    Empty,
    /// A choice line before any `?` line, or a line we can't read.
    BadLine {
        line: usize,
    },
    EmptyPrompt {
        question: usize,
    },
    TooFewChoices {
        question: usize,
    },
    NoCorrectChoice {
        question: usize,
    },
    SeveralCorrectChoices {
        question: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grade {
    pub correct: usize,
    pub total: usize,
    /// Whole percent, rounded down.
    pub score: i64,
    pub passed: bool,
}

impl Quiz {
    pub(crate) fn parse_text(text: &str) -> Result<Quiz, QuizError> {
        struct Draft {
            prompt: String,
            choices: Vec<String>,
            correct: Vec<usize>,
        }
        let mut drafts: Vec<Draft> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(prompt) = line.strip_prefix('?') {
                drafts.push(Draft {
                    prompt: prompt.trim().to_string(),
                    choices: Vec::new(),
                    correct: Vec::new(),
                });
                continue;
            }
            let (is_correct, choice) = match (line.strip_prefix('*'), line.strip_prefix('-')) {
                (Some(c), _) => (true, c),
                (_, Some(c)) => (false, c),
                _ => return Err(QuizError::BadLine { line: i + 1 }),
            };
            let Some(d) = drafts.last_mut() else {
                return Err(QuizError::BadLine { line: i + 1 });
            };
            if is_correct {
                d.correct.push(d.choices.len());
            }
            d.choices.push(choice.trim().to_string());
        }
        if drafts.is_empty() {
            return Err(QuizError::Empty);
        }
        let mut questions = Vec::with_capacity(drafts.len());
        for (n, d) in drafts.into_iter().enumerate() {
            let question = n + 1;
            if d.prompt.is_empty() {
                return Err(QuizError::EmptyPrompt { question });
            }
            if d.choices.len() < 2 {
                return Err(QuizError::TooFewChoices { question });
            }
            match d.correct.as_slice() {
                [] => return Err(QuizError::NoCorrectChoice { question }),
                [c] => questions.push(Question {
                    prompt: d.prompt,
                    choices: d.choices,
                    correct: *c,
                }),
                _ => return Err(QuizError::SeveralCorrectChoices { question }),
            }
        }
        Ok(Quiz { questions })
    }

    /// The text form, for the editor.
    pub(crate) fn to_text(&self) -> String {
        let mut out = String::new();
        for (n, q) in self.questions.iter().enumerate() {
            if n > 0 {
                out.push('\n');
            }
            out.push_str(&format!("? {}\n", q.prompt));
            for (i, c) in q.choices.iter().enumerate() {
                let mark = if i == q.correct { '*' } else { '-' };
                out.push_str(&format!("{mark} {c}\n"));
            }
        }
        out
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{\"questions\":[]}".into())
    }

    /// A stored quiz; a damaged value reads as an empty quiz.
    pub fn from_json(json: Option<&str>) -> Quiz {
        json.and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default()
    }

    /// Reads the answers from a submitted form: field `q<N>` holds the chosen index of
    /// question N (from 0). Missing or nonsense answers count as unanswered.
    pub(crate) fn answers_from_form(&self, form: &HashMap<String, String>) -> Vec<Option<usize>> {
        self.questions
            .iter()
            .enumerate()
            .map(|(n, q)| {
                form.get(&format!("q{n}"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .filter(|i| *i < q.choices.len())
            })
            .collect()
    }

    pub(crate) fn grade(&self, answers: &[Option<usize>], pass_mark: i64) -> Grade {
        let total = self.questions.len();
        let correct = self
            .questions
            .iter()
            .zip(answers.iter().chain(std::iter::repeat(&None)))
            .filter(|(q, a)| **a == Some(q.correct))
            .count();
        let score = (correct * 100).checked_div(total).unwrap_or(0) as i64;
        Grade {
            correct,
            total,
            score,
            passed: total > 0 && score >= pass_mark,
        }
    }
}

/// A pass mark typed by an instructor: whole percent 0–100; empty means the default.
pub(crate) fn parse_pass_mark(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('%').trim();
    if s.is_empty() {
        return Some(DEFAULT_PASS_MARK);
    }
    s.parse::<i64>().ok().filter(|p| (0..=100).contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "? What is 2 + 2?\n- 3\n* 4\n- 5\n\n? Capital of France?\n* Paris\n- Lyon\n\n? Pick <b>\n- a\n* b\n";

    #[test]
    fn parses_and_round_trips() {
        let q = Quiz::parse_text(TEXT).unwrap();
        assert_eq!(q.questions.len(), 3);
        assert_eq!(q.questions[0].prompt, "What is 2 + 2?");
        assert_eq!(q.questions[0].correct, 1);
        assert_eq!(q.questions[2].prompt, "Pick <b>");
        assert_eq!(Quiz::parse_text(&q.to_text()).unwrap(), q);
        assert_eq!(Quiz::from_json(Some(&q.to_json())), q);
        assert_eq!(Quiz::from_json(Some("not json")), Quiz::default());
        assert_eq!(Quiz::from_json(None), Quiz::default());
    }

    #[test]
    fn rejects_bad_text() {
        assert_eq!(Quiz::parse_text("  \n"), Err(QuizError::Empty));
        assert_eq!(
            Quiz::parse_text("- 3\n? q\n"),
            Err(QuizError::BadLine { line: 1 })
        );
        assert_eq!(
            Quiz::parse_text("? q\nhello\n"),
            Err(QuizError::BadLine { line: 2 })
        );
        assert_eq!(
            Quiz::parse_text("?\n* a\n- b\n"),
            Err(QuizError::EmptyPrompt { question: 1 })
        );
        assert_eq!(
            Quiz::parse_text("? q\n* a\n"),
            Err(QuizError::TooFewChoices { question: 1 })
        );
        assert_eq!(
            Quiz::parse_text("? q\n* a\n- b\n? r\n- a\n- b"),
            Err(QuizError::NoCorrectChoice { question: 2 })
        );
        assert_eq!(
            Quiz::parse_text("? q\n* a\n* b\n"),
            Err(QuizError::SeveralCorrectChoices { question: 1 })
        );
    }

    #[test]
    fn grades_attempts() {
        let q = Quiz::parse_text(TEXT).unwrap();
        let all = q.grade(&[Some(1), Some(0), Some(1)], 70);
        assert_eq!(
            all,
            Grade {
                correct: 3,
                total: 3,
                score: 100,
                passed: true
            }
        );
        let two = q.grade(&[Some(1), Some(0), Some(0)], 70);
        assert_eq!((two.correct, two.score, two.passed), (2, 66, false));
        assert!(q.grade(&[Some(1), Some(0), Some(0)], 66).passed);
        let none = q.grade(&[], 0);
        assert_eq!((none.correct, none.score, none.passed), (0, 0, true));
        assert!(
            !Quiz::default().grade(&[], 0).passed,
            "an empty quiz never passes"
        );
    }

    #[test]
    fn reads_answers_from_a_form() {
        let q = Quiz::parse_text(TEXT).unwrap();
        let form: HashMap<String, String> = [("q0", "1"), ("q1", "7"), ("q2", "x"), ("_csrf", "t")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(q.answers_from_form(&form), vec![Some(1), None, None]);
    }

    #[test]
    fn pass_marks() {
        assert_eq!(parse_pass_mark(""), Some(DEFAULT_PASS_MARK));
        assert_eq!(parse_pass_mark("80 %"), Some(80));
        assert_eq!(parse_pass_mark("101"), None);
        assert_eq!(parse_pass_mark("-1"), None);
        assert_eq!(parse_pass_mark("lots"), None);
    }
}
