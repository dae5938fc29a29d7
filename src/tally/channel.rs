//! How a response reached sipas: the channel, which decides whether it counts in a form's
//! official population (DESIGN.md §9).

use std::fmt;
use std::str::FromStr;

/// How a response reached sipas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A desk's reusable code (its QR poster or typed): anyone, any time.
    DeskQr,
    /// A single-use ticket (printed, or minted per dossier on the result receipt).
    Ticket,
    /// A paper questionnaire typed in or scanned later.
    Paper,
    /// A tablet at the desk.
    Kiosk,
    /// Another program collecting answers.
    Api,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::DeskQr,
        Channel::Ticket,
        Channel::Paper,
        Channel::Kiosk,
        Channel::Api,
    ];

    /// As stored and written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::DeskQr => "desk_qr",
            Channel::Ticket => "ticket",
            Channel::Paper => "paper",
            Channel::Kiosk => "kiosk",
            Channel::Api => "api",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A channel name that is none of sipas's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownChannel(pub String);

impl FromStr for Channel {
    type Err = UnknownChannel;

    fn from_str(text: &str) -> Result<Channel, UnknownChannel> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| UnknownChannel(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_read_back_from_their_names() {
        for channel in Channel::ALL {
            assert_eq!(channel.as_str().parse(), Ok(channel));
        }
        assert!("qr".parse::<Channel>().is_err());
    }
}
