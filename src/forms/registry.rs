//! The forms a running sipas serves, each registered in the database by version.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use super::Form;
use super::load::{FormProblem, LoadedForm, load_dir, parse_form};
use crate::db::forms::NewFormVersion;
use crate::db::{self, DbConnection, DbError};

/// The shipped forms, compiled in: used when the forms directory does not exist, so the
/// binary alone can serve the national questionnaires.
const BUILT_IN: [(&str, &str); 4] = [
    ("quick-2025", include_str!("../../survey-forms/quick-2025.toml")),
    ("sipas-2017", include_str!("../../survey-forms/sipas-2017.toml")),
    ("sipas-2023", include_str!("../../survey-forms/sipas-2023.toml")),
    ("tt01-2018", include_str!("../../survey-forms/tt01-2018.toml")),
];

/// One version of a form, as registered.
#[derive(Debug)]
pub struct RegisteredForm {
    pub form: Form,
    /// The `form_versions` row responses point at.
    pub version_id: i64,
    /// The hex SHA-256 of the form's content (not of its layout or comments).
    pub content_hash: String,
}

impl RegisteredForm {
    /// A short name for the version: the one the file declares, with the start of the
    /// content hash (editing a file without changing `version` still makes a new one).
    pub fn version_label(&self) -> String {
        let short = &self.content_hash[..8];
        match &self.form.version {
            Some(version) => format!("{version}+{short}"),
            None => short.to_string(),
        }
    }
}

/// The hash that identifies a form's content.
pub fn content_hash(form: &Form) -> String {
    let canonical = serde_json::to_vec(form).unwrap_or_default();
    format!("{:x}", Sha256::digest(&canonical))
}

/// Reads the forms of `dir`; when `dir` does not exist and `fall_back_to_built_in`, the
/// forms compiled into the binary.
pub fn read_forms(dir: &Path, fall_back_to_built_in: bool) -> Result<Vec<LoadedForm>, Vec<FormProblem>> {
    if !dir.exists() && fall_back_to_built_in {
        tracing::info!(dir = %dir.display(), "no forms directory: serving the built-in forms");
        return built_in();
    }
    load_dir(dir)
}

/// The forms compiled into the binary.
pub fn built_in() -> Result<Vec<LoadedForm>, Vec<FormProblem>> {
    BUILT_IN
        .iter()
        .map(|(id, source)| {
            let file = format!("(built-in) {id}.toml");
            parse_form(&file, id, source).map(|form| LoadedForm {
                path: file.into(),
                source: source.to_string(),
                form,
            })
        })
        .collect()
}

/// The current version of each form, and every version met so far.
#[derive(Clone, Default)]
pub struct FormRegistry {
    current: Arc<HashMap<String, Arc<RegisteredForm>>>,
    versions: Arc<RwLock<HashMap<i64, Arc<RegisteredForm>>>>,
}

impl FormRegistry {
    /// Registers each form's current version in the database (a no-op for versions seen
    /// before) and returns the registry.
    pub fn register(conn: &mut DbConnection, forms: Vec<LoadedForm>) -> Result<FormRegistry, DbError> {
        let mut current = HashMap::new();
        let mut versions = HashMap::new();
        for loaded in forms {
            let content_hash = content_hash(&loaded.form);
            let label = loaded
                .form
                .version
                .clone()
                .unwrap_or_else(|| content_hash[..8].to_string());
            let version_id = db::forms::register(
                conn,
                &NewFormVersion {
                    form_id: &loaded.form.id,
                    label: &label,
                    content_hash: &content_hash,
                    source: &loaded.source,
                    registered_at: db::now(),
                },
            )?;
            let registered = Arc::new(RegisteredForm {
                form: loaded.form,
                version_id,
                content_hash,
            });
            versions.insert(version_id, registered.clone());
            current.insert(registered.form.id.clone(), registered);
        }
        Ok(FormRegistry {
            current: Arc::new(current),
            versions: Arc::new(RwLock::new(versions)),
        })
    }

    /// The current version of a form.
    pub fn current(&self, form_id: &str) -> Option<Arc<RegisteredForm>> {
        self.current.get(form_id).cloned()
    }

    /// Every form's current version, by id.
    pub fn all(&self) -> Vec<Arc<RegisteredForm>> {
        let mut all: Vec<_> = self.current.values().cloned().collect();
        all.sort_by(|a, b| a.form.id.cmp(&b.form.id));
        all
    }

    /// The ids of the forms served now.
    pub fn ids(&self) -> Vec<String> {
        self.all().iter().map(|f| f.form.id.clone()).collect()
    }

    /// Any registered version, current or older: an older one is read back from the
    /// source stored when it was registered. `None` when no such version exists or its
    /// source no longer parses.
    pub fn version(
        &self,
        conn: &mut DbConnection,
        version_id: i64,
    ) -> Result<Option<Arc<RegisteredForm>>, DbError> {
        if let Some(found) = self
            .versions
            .read()
            .ok()
            .and_then(|v| v.get(&version_id).cloned())
        {
            return Ok(Some(found));
        }
        let Some(stored) = db::forms::find(conn, version_id)? else {
            return Ok(None);
        };
        let file = format!("(version {version_id}) {}.toml", stored.form_id);
        let form = match parse_form(&file, &stored.form_id, &stored.source) {
            Ok(form) => form,
            Err(problems) => {
                tracing::warn!(
                    version_id,
                    problems = problems.len(),
                    "a stored form version no longer parses"
                );
                return Ok(None);
            }
        };
        let registered = Arc::new(RegisteredForm {
            form,
            version_id,
            content_hash: stored.content_hash,
        });
        if let Ok(mut versions) = self.versions.write() {
            versions.insert(version_id, registered.clone());
        }
        Ok(Some(registered))
    }
}
