//! What one count counts.

use std::fmt;
use std::str::FromStr;

/// A count's subject: how many respondents answered a question, or how many chose one of
/// its values (an option, a level, a number).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CountKey {
    Answered(String),
    Chose { question: String, value: String },
}

/// The value a not-applicable answer holds ("Chưa nhận kết quả", "Không phải nộp phí"):
/// counted as chosen, apart from the options, but never as an answer to the question, so
/// it stays out of every denominator and every `n`.
pub const NOT_APPLICABLE: &str = "na";

/// The value part of the text form of [`CountKey::Answered`].
const ANSWERED: &str = "*";

impl CountKey {
    pub fn chose(question: &str, value: &str) -> CountKey {
        CountKey::Chose {
            question: question.to_string(),
            value: value.to_string(),
        }
    }

    pub fn question(&self) -> &str {
        match self {
            CountKey::Answered(question) | CountKey::Chose { question, .. } => question,
        }
    }
}

/// The text form `question=value`, `question=*` for "answered". Question ids never hold
/// `=` (forms allow letters, digits, `.`, `-`, `_`), so it splits at its first `=`.
impl fmt::Display for CountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CountKey::Answered(question) => write!(f, "{question}={ANSWERED}"),
            CountKey::Chose { question, value } => write!(f, "{question}={value}"),
        }
    }
}

/// A text that is not a count key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAKey(pub String);

impl FromStr for CountKey {
    type Err = NotAKey;

    fn from_str(text: &str) -> Result<CountKey, NotAKey> {
        match text.split_once('=') {
            Some((question, ANSWERED)) => Ok(CountKey::Answered(question.to_string())),
            Some((question, value)) => Ok(CountKey::chose(question, value)),
            None => Err(NotAKey(text.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_from_their_text_whatever_the_value_holds() {
        for key in [
            CountKey::Answered("e1.c1".into()),
            CountKey::chose("e1.c1", "5"),
            CountKey::chose("why", "nhanh \"gọn\" = đúng\\hẹn"),
            CountKey::chose("why", "a=b"),
        ] {
            assert_eq!(key.to_string().parse(), Ok(key));
        }
        assert!("no-equals".parse::<CountKey>().is_err());
    }
}
