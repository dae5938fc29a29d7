//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' annotations and
//! the request and answer types (`GET /api/v1/openapi.json`), and a page that shows it
//! to people without loading anything from elsewhere (`GET /api/v1/docs`).

use actix_web::HttpResponse;
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::api;

/// What every error under `/api/` looks like.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // only described: the answer is built by `error_pages`
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ErrorDetail {
    /// Mã trạng thái HTTP. — The HTTP status.
    #[schema(example = 422)]
    status: u16,
    /// Câu giải thích, tiếng Việt (mặc định) hoặc tiếng Anh (`?lang=en`, `Accept-Language`).
    /// — A sentence, in Vietnamese (the default) or English.
    message: String,
    /// Từng lỗi của yêu cầu (chỉ khi có). — Each problem of the request (only when any).
    problems: Option<Vec<ProblemDetail>>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ProblemDetail {
    /// Câu hỏi có lỗi; `null` cho lỗi chung. — The question, or `null` for the request.
    #[schema(example = "rating")]
    question: Option<String>,
    #[schema(example = "Vui lòng trả lời câu này.")]
    message: String,
}

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "Mã truy cập do quản trị tạo (`sipas tokens create`, /admin/tokens), dạng `sipas_…`. — \
                 An API token made by an administrator, `sipas_…`.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "sipas API",
        description = "API của sipas cho phần mềm một cửa, cổng dịch vụ công và nhóm dữ liệu: \
            báo cáo chỉ số, phiếu một lần, số hồ sơ, phiếu khảo sát và gửi phiếu trả lời. \
            Lỗi luôn có dạng `ErrorBody`, bằng tiếng Việt (hoặc tiếng Anh với `?lang=en`). — \
            The sipas API for one-stop software, public-service portals and data teams: \
            index reports, single-use tickets, dossier counts, forms and answers. Errors \
            always take the `ErrorBody` shape, in Vietnamese (or English with `?lang=en`).",
    ),
    paths(
        api::me,
        api::unit,
        api::report,
        api::issue_ticket,
        api::dossiers,
        api::form,
        api::submit_response,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerToken),
    tags(
        (name = "access", description = "Danh tính. — Identity."),
        (name = "units", description = "Đơn vị và báo cáo. — Units and reports."),
        (name = "tickets", description = "Phiếu một lần. — Single-use tickets."),
        (name = "dossiers", description = "Số hồ sơ. — Dossier counts."),
        (name = "responses", description = "Phiếu và câu trả lời. — Forms and answers."),
    ),
)]
pub struct ApiDoc;

/// The document as JSON.
pub fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null)
}

/// `GET /api/v1/openapi.json`
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

/// `GET /api/v1/docs`: the document as a page, rendered here (the site's policy lets no
/// script run, and nothing is fetched from elsewhere).
pub async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(render_page(&document()))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A schema's name (`#/components/schemas/X` → `X`) or its type.
fn schema_name(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).to_string();
    }
    if let Some(items) = schema.get("items") {
        return format!("[{}]", schema_name(items));
    }
    match schema.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "object".into(),
    }
}

fn render_page(doc: &Value) -> String {
    let text = |v: &Value| escape(v.as_str().unwrap_or_default());
    let mut html = String::from(
        "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>sipas API</title><style>\
         body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;color:#1a1a1a}\
         h2{margin-top:2rem;border-top:1px solid #ccc;padding-top:1rem}code,pre{background:#f4f4f4;padding:.1rem .3rem}\
         .m{font-weight:bold;text-transform:uppercase;margin-right:.5rem}table{border-collapse:collapse}\
         td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}pre{overflow:auto}</style>",
    );
    html.push_str(&format!(
        "<h1>{} {}</h1><p>{}</p><p><a href=\"/api/v1/openapi.json\">openapi.json</a> (OpenAPI {})</p>",
        text(&doc["info"]["title"]),
        text(&doc["info"]["version"]),
        text(&doc["info"]["description"]),
        text(&doc["openapi"]),
    ));
    let Some(paths) = doc["paths"].as_object() else {
        return html;
    };
    for (path, operations) in paths {
        let Some(operations) = operations.as_object() else {
            continue;
        };
        for (method, operation) in operations {
            html.push_str(&format!(
                "<h2><span class=\"m\">{}</span><code>{}</code></h2><p><strong>{}</strong></p><p>{}</p>",
                escape(method),
                escape(path),
                text(&operation["summary"]),
                text(&operation["description"]),
            ));
            if let Some(parameters) = operation["parameters"].as_array() {
                html.push_str("<table><tr><th>tham số — parameter</th><th>ở — in</th><th></th></tr>");
                for p in parameters {
                    html.push_str(&format!(
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                        text(&p["name"]),
                        if p["required"] == Value::Bool(true) {
                            " *"
                        } else {
                            ""
                        },
                        text(&p["in"]),
                        text(&p["description"]),
                    ));
                }
                html.push_str("</table>");
            }
            if let Some(body) = operation["requestBody"]["content"]["application/json"]["schema"].as_object()
            {
                html.push_str(&format!(
                    "<p>JSON: <code>{}</code></p>",
                    escape(&schema_name(&Value::Object(body.clone())))
                ));
            }
            if let Some(responses) = operation["responses"].as_object() {
                html.push_str("<table><tr><th>HTTP</th><th></th><th></th></tr>");
                for (status, response) in responses {
                    let schema = &response["content"]["application/json"]["schema"];
                    html.push_str(&format!(
                        "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                        escape(status),
                        text(&response["description"]),
                        if schema.is_null() {
                            String::new()
                        } else {
                            escape(&schema_name(schema))
                        },
                    ));
                }
                html.push_str("</table>");
            }
        }
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        html.push_str("<h2>Schemas</h2>");
        for (name, schema) in schemas {
            let pretty = serde_json::to_string_pretty(schema).unwrap_or_default();
            html.push_str(&format!(
                "<h3 id=\"{0}\">{0}</h3><pre>{1}</pre>",
                escape(name),
                escape(&pretty)
            ));
        }
    }
    html
}
