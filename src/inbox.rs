//! The comment inbox's one rule: a comment is new until someone of its unit takes it in
//! («đã tiếp nhận»), then handled («đã xử lý»); it may be put back. Who and when are kept
//! with each change; who wrote the comment is never known.

use crate::i18n::{Lang, Message};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommentStatus {
    New,
    Received,
    Handled,
}

impl CommentStatus {
    pub const ALL: [CommentStatus; 3] = [
        CommentStatus::New,
        CommentStatus::Received,
        CommentStatus::Handled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::New => "new",
            CommentStatus::Received => "received",
            CommentStatus::Handled => "handled",
        }
    }

    pub fn parse(text: &str) -> Option<CommentStatus> {
        CommentStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Parsed from an address or a form, or a 400's reason.
    pub fn checked(text: &str) -> Result<CommentStatus, Message> {
        CommentStatus::parse(text).ok_or_else(|| {
            Message::new(
                format!("trạng thái «{text}» không hợp lệ: dùng new, received hoặc handled"),
                format!("status «{text}» is not valid: use new, received or handled"),
            )
        })
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            CommentStatus::New => lang.pick("mới", "new"),
            CommentStatus::Received => lang.pick("đã tiếp nhận", "received"),
            CommentStatus::Handled => lang.pick("đã xử lý", "handled"),
        }
    }
}
