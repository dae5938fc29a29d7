//! Replicas started together on one fresh PostgreSQL database migrate it in turns, under
//! the advisory lock they share: both start, and each migration is applied once.

use std::process::Stdio;

use diesel::RunQueryDsl;
use diesel::sql_types::BigInt;

use crate::helpers::{Backend, TestDb, admin_connection, sipas, stderr, stdout, wait_until};

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

fn count(conn: &mut diesel::PgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().count
}

#[test]
#[cfg_attr(not(sipas_test_postgres), ignore = "SIPAS_TEST_POSTGRES_URL is not set")]
fn replicas_migrating_one_database_at_once_take_turns() {
    let db = TestDb::new(Backend::Postgres);
    // The test takes the replicas' lock first, so that both are surely running at once.
    let mut holder = admin_connection(&db.url).unwrap();
    let lock = |conn: &mut diesel::PgConnection, sql: &str| {
        diesel::sql_query(sql)
            .bind::<BigInt, _>(sipas::db::migrations::MIGRATION_LOCK)
            .execute(conn)
            .unwrap();
    };
    lock(&mut holder, "SELECT pg_advisory_lock($1)");
    let replicas: Vec<_> = (0..2)
        .map(|_| {
            sipas(&db)
                .arg("migrate")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start sipas migrate")
        })
        .collect();
    // Both wait for the lock, and nothing is migrated meanwhile.
    let waiting = "SELECT COUNT(*) AS count FROM pg_locks WHERE locktype = 'advisory' AND NOT granted \
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    wait_until(
        "both replicas wait for the lock",
        std::time::Duration::from_secs(2),
        || count(&mut holder, waiting) == 2,
    );
    let tables = "SELECT COUNT(*) AS count FROM pg_tables WHERE schemaname = 'public'";
    assert_eq!(count(&mut holder, tables), 0);
    lock(&mut holder, "SELECT pg_advisory_unlock($1)");
    let said: Vec<String> = replicas
        .into_iter()
        .map(|replica| {
            let output = replica.wait_with_output().unwrap();
            assert!(output.status.success(), "{}", stderr(&output));
            stdout(&output)
        })
        .collect();
    // One applied every migration; the other found nothing left to do.
    let migrations = std::fs::read_dir(crate::helpers::checkout_path("migrations/postgres"))
        .unwrap()
        .count();
    let applied_all = format!("Đã áp dụng {migrations} ");
    let up_to_date = "Lược đồ cơ sở dữ liệu đã mới nhất";
    assert!(
        said.iter().filter(|s| s.starts_with(&applied_all)).count() == 1
            && said.iter().filter(|s| s.starts_with(up_to_date)).count() == 1,
        "{said:?}"
    );
    let applied = "SELECT COUNT(*) AS count FROM __diesel_schema_migrations";
    assert_eq!(count(&mut holder, applied), migrations as i64);
}
