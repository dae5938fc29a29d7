//! Every migration applies and reverts cleanly on both backends, and `schema.rs` matches
//! what the migrations create.

use diesel::prelude::*;
use diesel::sql_types::Text;
use sipas::db::{DbConnection, migrations, schema};

use crate::helpers::{Backend, TestDb};
use crate::on_both_backends_sync;

/// Every table the migrations create, by name.
const ALL_TABLES: [&str; 21] = [
    "alert_rules",
    "api_tokens",
    "app_secrets",
    "comment_statuses",
    "desks",
    "dossiers",
    "form_versions",
    "grants",
    "idempotency_keys",
    "known_sign_ins",
    "login_throttle",
    "outbox",
    "pending_recounts",
    "responses",
    "sessions",
    "tallies",
    "text_answers",
    "ticket_counts",
    "tickets",
    "units",
    "users",
];

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Every table of the schema, by name (the migrations' own bookkeeping left out).
pub fn tables(conn: &mut DbConnection) -> Vec<String> {
    let rows: Vec<Name> = sipas::with_backend!(conn, |c| {
        let sql = if matches!(c.backend_kind(), Backend::Sqlite) {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '__diesel_schema_migrations' ORDER BY name"
        } else {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' \
             AND tablename <> '__diesel_schema_migrations' ORDER BY tablename"
        };
        diesel::sql_query(sql).load(c).unwrap()
    });
    rows.into_iter().map(|r| r.name).collect()
}

/// The columns of a table, in their order.
pub fn columns(conn: &mut DbConnection, table: &str) -> Vec<String> {
    let rows: Vec<Name> = sipas::with_backend!(conn, |c| {
        let sql = if matches!(c.backend_kind(), Backend::Sqlite) {
            format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
        } else {
            format!(
                "SELECT column_name::text AS name FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position"
            )
        };
        diesel::sql_query(sql).load(c).unwrap()
    });
    rows.into_iter().map(|r| r.name).collect()
}

/// The backend of a concrete connection, for the few queries that differ.
trait BackendKind {
    fn backend_kind(&self) -> Backend;
}
impl BackendKind for diesel::SqliteConnection {
    fn backend_kind(&self) -> Backend {
        Backend::Sqlite
    }
}
impl BackendKind for diesel::PgConnection {
    fn backend_kind(&self) -> Backend {
        Backend::Postgres
    }
}

/// The columns diesel believes a table has, read from the SQL it generates.
fn diesel_columns<T>(select_all: T) -> Vec<String>
where
    T: diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>,
{
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&select_all).to_string();
    let select = sql.split(" FROM ").next().unwrap();
    select
        .split(", ")
        .map(|column| {
            column
                .rsplit('.')
                .next()
                .unwrap()
                .trim_matches('`')
                .trim_matches('"')
                .to_string()
        })
        .collect()
}

fn schema_rs_matches_the_migrations(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = db.open().conn().unwrap();
    assert_eq!(tables(&mut conn), ALL_TABLES);
    macro_rules! check {
        ($($table:ident),*) => {$(
            assert_eq!(
                columns(&mut conn, stringify!($table)),
                diesel_columns(schema::$table::table.select(schema::$table::all_columns)),
                "columns of {}", stringify!($table)
            );
        )*};
    }
    check!(
        units,
        desks,
        form_versions,
        responses,
        text_answers,
        comment_statuses,
        tallies,
        pending_recounts,
        dossiers,
        alert_rules,
        outbox,
        users,
        grants,
        api_tokens,
        app_secrets,
        sessions,
        login_throttle,
        known_sign_ins,
        tickets,
        ticket_counts,
        idempotency_keys
    );
}

fn every_down_migration_reverts_its_up(backend: Backend) {
    let db = TestDb::new(backend);
    let database = sipas::db::Database::connect(
        &sipas::db::DatabaseLocation::parse(&db.url, db.dir.path()).unwrap(),
        2,
        5,
    )
    .unwrap();
    let mut conn = database.conn().unwrap();
    let applied = migrations::run_pending(&mut conn).unwrap();
    assert!(!applied.is_empty());
    assert!(migrations::pending(&mut conn).unwrap().is_empty());
    // Real rows in every table, so each down.sql meets data, not an empty schema.
    let csv = "code,name,kind,parent_code\nP,Tỉnh,tỉnh,\nC,Xã,xã,P\n";
    sipas::units::import::import_csv(&mut conn, csv.as_bytes()).unwrap();
    sipas::desks::add(
        &mut conn,
        "C",
        "Quầy",
        sipas::desks::DeskForms::both("sipas-2017"),
        &["sipas-2017".to_string()],
    )
    .unwrap();
    let forms = sipas::forms::registry::built_in().unwrap();
    let registry = sipas::forms::FormRegistry::register(&mut conn, forms).unwrap();
    let quick = registry.current("quick-2025").unwrap();
    let answers = sipas::responses::Answers {
        // Two options of one question too: every pair must survive the newest migration.
        values: vec![
            ("rating".into(), "4".into()),
            ("why".into(), "nhanh \"gọn\"".into()),
            ("why".into(), "đúng hẹn".into()),
        ],
        texts: vec![("comment".into(), "tốt".into())],
    };
    let submission = sipas::responses::Submission {
        procedure_code: Some("1.005129"),
        ..crate::helpers::paper_submission(quick.version_id, "C")
    };
    assert!(matches!(
        sipas::responses::store(&mut conn, &submission, &answers).unwrap(),
        sipas::responses::Stored::New(_)
    ));
    let desk = sipas::db::desks::list(&mut conn, None).unwrap().remove(0);
    let issue = sipas::codes::tickets::Issue {
        desk: &desk,
        count: 2,
        procedure_code: Some("1.005129"),
        procedure_field: None,
        valid_days: 30,
        now: chrono::Utc::now(),
        time_zone: chrono_tz::Asia::Ho_Chi_Minh,
    };
    let tickets = sipas::codes::tickets::issue(&mut conn, &issue).unwrap();
    assert_eq!(tickets.len(), 2);
    assert!(sipas::db::tickets::mark_answered(&mut conn, tickets[0].id, sipas::db::now()).unwrap());
    let account = sipas::auth::accounts::NewAccount {
        email: "a@b.vn",
        name: "A",
        role: sipas::auth::Role::Official,
        unit: Some("C"),
        password: "mật khẩu đủ dài",
        language: sipas::i18n::Lang::Vi,
    };
    sipas::auth::accounts::add_user(&mut conn, &account).unwrap();
    sipas::auth::tokens::create(&mut conn, "t", sipas::auth::Role::Staff, Some("C")).unwrap();
    let secrets = sipas::auth::secrets::Secrets::load(&mut conn).unwrap();
    let now = sipas::db::now();
    assert!(sipas::db::security::first_attempt(&mut conn, "account:a", now).unwrap());
    sipas::db::security::remember_known(&mut conn, "known:a", now, now).unwrap();
    let user = sipas::db::users::find_by_email(&mut conn, "a@b.vn")
        .unwrap()
        .unwrap();
    sipas::auth::session::start(&mut conn, &secrets, user.id, now, 3600, false).unwrap();
    sipas::db::users::set_digest(&mut conn, user.id, "weekly").unwrap();
    let rule = sipas::db::alerts::NewAlertRule {
        unit_code: "C",
        form_id: "quick-2025",
        kind: "below",
        index_id: None,
        threshold: 80.0,
        min_n: 30,
        created_by: Some(user.id),
        created_at: sipas::db::now(),
    };
    sipas::db::alerts::insert(&mut conn, &rule).unwrap();
    let mail = sipas::mail::Composed {
        dedup_key: "alert:1:2026-11:1".into(),
        recipient: "a@b.vn".into(),
        subject: "Cảnh báo".into(),
        text: "…".into(),
        html: "<p>…</p>".into(),
    };
    assert!(mail.queue(&mut conn, "alert").unwrap());

    // The newest migration, down and up again over these rows, keeps every answer and
    // every count.
    let response_id = sipas::db::responses::all(&mut conn).unwrap()[0].id;
    let stored = sipas::db::responses::answers_of(&mut conn, response_id).unwrap();
    assert_eq!(stored.len(), 3);
    let texts = sipas::db::responses::texts_of(&mut conn, response_id).unwrap();
    assert_eq!(texts, [("comment".to_string(), "tốt".to_string())]);
    // Each row's counts as read, sorted.
    let tallies = |conn: &mut sipas::db::DbConnection| {
        let mut rows: Vec<_> = sipas::db::tallies::all(conn)
            .unwrap()
            .into_iter()
            .map(|mut t| {
                t.counts.sort();
                (t.unit_code, t.period, t.start, t.field, t.responses, t.counts)
            })
            .collect();
        rows.sort();
        rows
    };
    let counts = tallies(&mut conn);
    assert!(counts.iter().any(|c| c.1 == "year"));
    assert!(counts.iter().any(|c| c.1 == "quarter"));
    assert!(
        counts[0]
            .5
            .contains(&(sipas::tally::CountKey::chose("why", "nhanh \"gọn\""), 1))
    );
    let newest = migrations::revert_last(&mut conn).unwrap();
    assert_eq!(Some(&newest), applied.last());
    assert_eq!(migrations::run_pending(&mut conn).unwrap(), [newest]);
    assert_eq!(tallies(&mut conn), counts);
    assert_eq!(
        sipas::db::responses::answers_of(&mut conn, response_id).unwrap(),
        stored
    );

    let reverted = migrations::revert_all(&mut conn).unwrap();
    let mut newest_first = applied.clone();
    newest_first.reverse();
    assert_eq!(reverted, newest_first);
    assert!(
        tables(&mut conn).is_empty(),
        "left behind: {:?}",
        tables(&mut conn)
    );
    assert_eq!(migrations::pending(&mut conn).unwrap().len(), applied.len());

    // And up again from nothing.
    assert_eq!(migrations::run_pending(&mut conn).unwrap(), applied);
    assert_eq!(tables(&mut conn), ALL_TABLES);
}

/// Every pooled SQLite connection runs in WAL mode, enforces foreign keys, waits for a
/// lock rather than failing, and commits with `synchronous = FULL`, on which the README's
/// promise that an acknowledged answer survives a power cut rests. (SQLite only: these
/// are SQLite's settings.)
#[test]
fn every_pooled_sqlite_connection_is_durable_and_enforces_foreign_keys() {
    #[derive(QueryableByName, Debug, PartialEq)]
    struct Pragmas {
        #[diesel(sql_type = Text)]
        journal_mode: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        foreign_keys: i32,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        synchronous: i32,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        timeout: i32,
    }
    let db = TestDb::new(Backend::Sqlite);
    let database = db.open();
    // As many connections as the pool holds, all at once, so each is another connection.
    let mut pooled: Vec<_> = (0..db.settings().database_pool_size)
        .map(|_| database.conn().unwrap())
        .collect();
    for conn in &mut pooled {
        let DbConnection::Sqlite(c) = &mut **conn else {
            panic!("a SQLite connection");
        };
        let pragmas: Pragmas = diesel::sql_query(
            "SELECT journal_mode, foreign_keys, synchronous, timeout FROM pragma_journal_mode(), \
             pragma_foreign_keys(), pragma_synchronous(), pragma_busy_timeout()",
        )
        .get_result(c)
        .unwrap();
        // synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
        assert_eq!(
            pragmas,
            Pragmas {
                journal_mode: "wal".into(),
                foreign_keys: 1,
                synchronous: 2,
                timeout: 5000,
            }
        );
    }
    // The database refuses a desk of a unit that does not exist.
    let orphan = sipas::db::desks::NewDesk {
        unit_code: "NOPE",
        name: "x",
        code: "ABCDEF",
        form_id: "sipas-2017",
        enabled: true,
        created_at: sipas::db::now(),
        ticket_form_id: "sipas-2017",
    };
    assert!(sipas::db::desks::insert(&mut pooled[0], &orphan).is_err());
}

/// Tickets answered before the privacy migrations lose their link to the response (they
/// stay answered), and responses stored to the nanosecond keep only the minute.
fn the_privacy_migrations_unlink_and_round_existing_rows(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = db.open().conn().unwrap();
    // A unit and a desk through today's code (it reads today's tables), then back to
    // before those migrations: tickets still name their response.
    let csv = "code,name,kind,parent_code\nP,Tỉnh,tỉnh,\nC,Xã,xã,P\n";
    sipas::units::import::import_csv(&mut conn, csv.as_bytes()).unwrap();
    let desk = sipas::desks::add(
        &mut conn,
        "C",
        "Quầy",
        sipas::desks::DeskForms::both("quick-2025"),
        &["quick-2025".to_string()],
    )
    .unwrap();
    while !migrations::revert_last(&mut conn).unwrap().ends_with("000015") {}
    let registry =
        sipas::forms::FormRegistry::register(&mut conn, sipas::forms::registry::built_in().unwrap()).unwrap();
    let quick = registry.current("quick-2025").unwrap();
    // As the older version stored them (its counts are another table's shape: left out).
    sipas::with_backend!(&mut *conn, |c| {
        diesel::sql_query(format!(
            "INSERT INTO responses (form_version_id, unit_code, channel, submitted_at, day, answers) \
             VALUES ({}, 'C', 'ticket', '2025-07-02 09:15:42.123456', '2025-07-02', '[[\"rating\",\"4\"]]')",
            quick.version_id
        ))
        .execute(c)
        .unwrap();
    });
    let response_id = sipas::db::responses::all(&mut conn).unwrap()[0].id;
    sipas::with_backend!(&mut *conn, |c| {
        diesel::sql_query(format!(
            "INSERT INTO tickets (code, desk_id, dossier_code, issued_at, issued_day, expires_at, response_id) \
             VALUES ('K7M2QX9P', {}, 'H46.19753-251122-0001', '2025-07-01 08:00:00', '2025-07-01', \
             '2025-07-31 08:00:00', {response_id})",
            desk.id
        ))
        .execute(c)
        .unwrap();
    });
    migrations::run_pending(&mut conn).unwrap();
    let ticket = sipas::db::tickets::find_by_code(&mut conn, "K7M2QX9P")
        .unwrap()
        .unwrap();
    assert!(ticket.answered, "it stays answered");
    assert!(ticket.revoked_at.is_none());
    assert!(
        !columns(&mut conn, "tickets")
            .iter()
            .any(|c| c.contains("response"))
    );
    let response = &sipas::db::responses::all(&mut conn).unwrap()[0];
    assert_eq!(
        response.submitted_at,
        "2025-07-02T09:15:00".parse::<chrono::NaiveDateTime>().unwrap()
    );
}

on_both_backends_sync!(
    schema_rs_matches_the_migrations,
    every_down_migration_reverts_its_up,
    the_privacy_migrations_unlink_and_round_existing_rows,
);
