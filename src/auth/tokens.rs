//! API tokens: created by an admin for a program, shown once, stored as a hash, revocable.

use sha2::{Digest, Sha256};

use super::accounts::{AccountError, check_grant};
use super::{Grant, Identity, Role, Who};
use crate::db::tokens::NewApiToken;
use crate::db::{self, DbConnection, DbError};

/// Every token starts with this, so a leaked one is easy to recognise in a log or a diff.
pub const PREFIX: &str = "sipas_";
const RANDOM_LEN: usize = 32;

/// The stored form of a token. Tokens carry 160 random bits, so a plain SHA-256 is enough
/// (no slow hash is needed against guessing).
pub fn hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// Creates a token; returns its id and the token itself, which is never shown again.
pub fn create(
    conn: &mut DbConnection,
    name: &str,
    role: Role,
    unit: Option<&str>,
) -> Result<(i64, String), AccountError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AccountError::BadName);
    }
    let token = format!("{PREFIX}{}", crate::codes::random_code(RANDOM_LEN).to_lowercase());
    let id = db::write_transaction(conn, |conn| {
        check_grant(conn, role, unit)?;
        let id = db::tokens::insert(
            conn,
            &NewApiToken {
                name,
                token_hash: &hash(&token),
                role: role.as_str(),
                unit_code: unit,
                created_at: db::now(),
                revoked_at: None,
            },
        )?;
        Ok::<_, AccountError>(id)
    })?;
    Ok((id, token))
}

/// The identity of an active token.
pub fn identity(conn: &mut DbConnection, token: &str) -> Result<Option<Identity>, DbError> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some(stored) = db::tokens::find_active(conn, &hash(token))? else {
        return Ok(None);
    };
    let Some(role) = Role::parse(&stored.role) else {
        return Ok(None);
    };
    Ok(Some(Identity {
        who: Who::Token {
            id: stored.id,
            name: stored.name,
        },
        grants: vec![Grant {
            role,
            unit: stored.unit_code,
        }],
    }))
}
