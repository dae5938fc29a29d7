//! The admin pages: units, desks, users, as an administrator uses them.

use crate::auth::{PASSWORD, add_user, csrf_of, seed_units, sign_in};
use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;
use sipas::auth::Role;
use sipas::db;

async fn an_admin_manages_the_unit_tree(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let (admin, csrf) = sign_in(&app, "admin@sipas.vn", PASSWORD).await;
    let url = |path: &str| format!("{}{path}", app.address);
    let conn = || app.prepared.db.conn().unwrap();

    let top = admin
        .get(url("/admin/units"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(top.contains("Tỉnh Một") && top.contains("Tỉnh Hai"));
    let p1 = admin
        .get(url("/admin/units?parent=P1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(p1.contains("Xã Một") && !p1.contains("Xã Ba"));

    // Add under P1, then rename.
    let response = app
        .post_form(
            &admin,
            "/admin/units",
            &[
                ("_csrf", csrf.as_str()),
                ("code", "C3"),
                ("name", "Xã Ba Mới"),
                ("kind", "xã"),
                ("parent", "P1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin/units?parent=P1&ok=added");
    assert_eq!(
        db::units::find(&mut conn(), "C3")
            .unwrap()
            .unwrap()
            .parent_code
            .as_deref(),
        Some("P1")
    );
    let response = app
        .post_form(
            &admin,
            "/admin/units",
            &[
                ("_csrf", csrf.as_str()),
                ("code", "C3"),
                ("name", "Trùng"),
                ("kind", "xã"),
                ("parent", "P1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("đã có đơn vị mã «C3»"));
    let response = app
        .post_form(
            &admin,
            "/admin/units/C3",
            &[
                ("_csrf", csrf.as_str()),
                ("name", "Phường Ba"),
                ("kind", "phường"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let renamed = db::units::find(&mut conn(), "C3").unwrap().unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.kind.as_str()),
        ("Phường Ba", "phường")
    );
    let response = app
        .post_form(
            &admin,
            "/admin/units/C3",
            &[("_csrf", csrf.as_str()), ("name", " "), ("kind", "phường")],
        )
        .await;
    assert_eq!(response.status(), 422);

    // Import a file through the page; a bad file is rejected whole, with its lines.
    let upload = |csv: &'static str, token: &str| {
        let form = reqwest::multipart::Form::new()
            .text("_csrf", token.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("units.csv"),
            );
        admin.post(url("/admin/units/import")).multipart(form).send()
    };
    let response = upload(
        "code,name,kind,parent_code\nC4,Xã Bốn,xã,P1\nC5,Xã Năm,xã,NOPE\n",
        &csrf,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("Dòng 3: đơn vị cha «NOPE» không có"), "{html}");
    assert!(db::units::find(&mut conn(), "C4").unwrap().is_none());
    let response = upload("code,name,kind,parent_code\nC4,Xã Bốn,xã,P1\n", &csrf)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Đã nhập 1 đơn vị: 1 mới"));
    assert_eq!(
        upload("code,name,kind,parent_code\nC6,X,xã,P1\n", "")
            .await
            .unwrap()
            .status(),
        403
    );
    assert!(db::units::find(&mut conn(), "C6").unwrap().is_none());
}

async fn an_admin_manages_desks(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let (admin, csrf) = sign_in(&app, "admin@sipas.vn", PASSWORD).await;
    let url = |path: &str| format!("{}{path}", app.address);
    let response = app
        .post_form(
            &admin,
            "/admin/desks",
            &[
                ("_csrf", csrf.as_str()),
                ("unit", "C1"),
                ("name", "Quầy 1"),
                ("form", "quick-2025"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let desk = db::desks::list(&mut app.prepared.db.conn().unwrap(), None)
        .unwrap()
        .remove(0);
    assert_eq!(
        (
            desk.unit_code.as_str(),
            desk.form_id.as_str(),
            desk.ticket_form_id.as_str()
        ),
        ("C1", "quick-2025", "sipas-2023"),
        "a page without a ticket form gives the default"
    );
    let listed = admin
        .get(url("/admin/desks?unit=P1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listed.contains(&desk.code), "the subtree's desks are listed");
    let response = app
        .post_form(
            &admin,
            "/admin/desks",
            &[
                ("_csrf", csrf.as_str()),
                ("unit", "C1"),
                ("name", "Quầy 2"),
                ("form", "khong-co"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Không có phiếu khảo sát «khong-co»")
    );

    // Rename, switch the form, then close the desk: its survey page says so.
    assert_eq!(
        admin
            .get(url(&format!("/s/{}", desk.code)))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let response = app
        .post_form(
            &admin,
            &format!("/admin/desks/{}", desk.id),
            &[
                ("_csrf", csrf.as_str()),
                ("name", "Quầy Một"),
                ("form", "sipas-2017"),
                ("ticket_form", "tt01-2018"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let saved = db::desks::find(&mut app.prepared.db.conn().unwrap(), desk.id)
        .unwrap()
        .unwrap();
    assert_eq!(saved.ticket_form_id, "tt01-2018", "the tickets' form, edited");
    assert_eq!(
        (
            saved.name.as_str(),
            saved.form_id.as_str(),
            saved.enabled,
            saved.code.as_str()
        ),
        ("Quầy Một", "sipas-2017", false, desk.code.as_str())
    );
    assert_eq!(
        admin
            .get(url(&format!("/s/{}", desk.code)))
            .send()
            .await
            .unwrap()
            .status(),
        410
    );
    let response = app
        .post_form(
            &admin,
            &format!("/admin/desks/{}", desk.id),
            &[
                ("_csrf", csrf.as_str()),
                ("name", "Quầy Một"),
                ("form", "sipas-2017"),
                ("enabled", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = admin
        .get(url(&format!("/s/{}", desk.code)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Khảo sát sự hài lòng của người dân"),
        "now the sipas-2017 form"
    );
}

async fn an_admin_adds_users_grants_access_and_resets_passwords(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let (admin, csrf) = sign_in(&app, "admin@sipas.vn", PASSWORD).await;
    let url = |path: &str| format!("{}{path}", app.address);
    let response = app
        .post_form(
            &admin,
            "/admin/users",
            &[
                ("_csrf", csrf.as_str()),
                ("email", "Mai@C1.vn"),
                ("name", "Trần Thị Mai"),
                ("role", "staff"),
                ("unit", "C1"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    let start =
        html.find(r#"<p class="secret">"#).expect("a generated password") + r#"<p class="secret">"#.len();
    let generated = html[start..].split('<').next().unwrap().to_string();
    let (mai, _) = sign_in(&app, "mai@c1.vn", &generated).await;
    assert_eq!(mai.get(url("/staff/")).send().await.unwrap().status(), 200);
    assert_eq!(mai.get(url("/units/C1")).send().await.unwrap().status(), 403);

    let response = app
        .post_form(
            &admin,
            "/admin/users",
            &[
                ("_csrf", csrf.as_str()),
                ("email", "mai@c1.vn"),
                ("name", "Lại"),
                ("role", "staff"),
                ("unit", "C1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Đã có tài khoản với e-mail mai@c1.vn")
    );
    let response = app
        .post_form(
            &admin,
            "/admin/users",
            &[
                ("_csrf", csrf.as_str()),
                ("email", "x@c1.vn"),
                ("name", "X"),
                ("role", "official"),
                ("unit", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 422, "an official needs a unit");

    // Grant official access to C1: the unit page opens; remove it: it closes again.
    let id = sipas::auth::accounts::find(&mut app.prepared.db.conn().unwrap(), "mai@c1.vn")
        .unwrap()
        .id;
    let response = app
        .post_form(
            &admin,
            &format!("/admin/users/{id}/grants"),
            &[("_csrf", csrf.as_str()), ("role", "official"), ("unit", "C1")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(mai.get(url("/units/C1")).send().await.unwrap().status(), 200);
    let grant = db::users::grants_of(&mut app.prepared.db.conn().unwrap(), id)
        .unwrap()
        .into_iter()
        .find(|g| g.role == "official")
        .unwrap();
    let response = app
        .post_form(
            &admin,
            &format!("/admin/users/{id}/grants/{}/remove", grant.id),
            &[("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(mai.get(url("/units/C1")).send().await.unwrap().status(), 403);

    // A reset password is shown once and ends the old sessions.
    let response = app
        .post_form(
            &admin,
            &format!("/admin/users/{id}/password"),
            &[("_csrf", csrf.as_str())],
        )
        .await;
    let html = response.text().await.unwrap();
    let start = html.find(r#"<p class="secret">"#).unwrap() + r#"<p class="secret">"#.len();
    let reset = html[start..].split('<').next().unwrap().to_string();
    assert_ne!(reset, generated);
    assert_eq!(mai.get(url("/staff/")).send().await.unwrap().status(), 303);
    sign_in(&app, "mai@c1.vn", &reset).await;
    // An admin cannot lock themselves out.
    let me = sipas::auth::accounts::find(&mut app.prepared.db.conn().unwrap(), "admin@sipas.vn")
        .unwrap()
        .id;
    let response = app
        .post_form(
            &admin,
            &format!("/admin/users/{me}/disabled"),
            &[("_csrf", csrf.as_str()), ("disabled", "1")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = admin
        .get(url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Trần Thị Mai") && csrf_of(&page) == csrf);
}

/// Users are listed with their roles in words and their units by name; the unit fields
/// suggest units by name (a datalist: no script) and keep taking the code.
async fn users_read_with_role_and_unit_names(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    add_user(&app, "motcua@c1.vn", Role::Staff, Some("C1"));
    let (admin, _) = sign_in(&app, "admin@sipas.vn", PASSWORD).await;
    let html = admin
        .get(format!("{}/admin/users", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<td>Công chức một cửa — Xã Một (C1)</td>"),
        "{html}"
    );
    assert!(html.contains("<td>Quản trị</td>"), "{html}");
    assert!(html.contains(r#"list="unit-list""#) && html.contains(r#"<option value="C1">Xã Một</option>"#));
}

on_both_backends!(
    users_read_with_role_and_unit_names,
    an_admin_manages_the_unit_tree,
    an_admin_manages_desks,
    an_admin_adds_users_grants_access_and_resets_passwords,
);
