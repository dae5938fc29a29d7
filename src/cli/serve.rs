//! `sipas serve`: run the web server until SIGINT or SIGTERM.

use super::{Context, OrLocalized, prepare};
use crate::config::Settings;
use crate::startup::{Application, Prepared};

pub fn run(ctx: &Context) -> anyhow::Result<()> {
    let prepared = prepare(ctx, &ctx.settings)?;
    serve(ctx, &ctx.settings, prepared, |_| {})
}

/// Serves `prepared` with `settings`; once listening, prints the address to open, then calls
/// `announce` (which prints what else the user should know).
pub fn serve(
    ctx: &Context,
    settings: &Settings,
    prepared: Prepared,
    announce: impl FnOnce(&Application),
) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings, prepared).or_localized(ctx.lang)?;
        println!(
            "{} {}/",
            ctx.t("sipas đang phục vụ tại", "sipas is serving at"),
            app.base_url()
        );
        if app.base_url() != format!("http://{}", app.address()) {
            println!("{} {}", ctx.t("Lắng nghe tại", "Listening on"), app.address());
        }
        announce(&app);
        println!("{}", ctx.t("Nhấn Ctrl+C để dừng.", "Press Ctrl+C to stop."));
        app.run_until_stopped().await?;
        tracing::info!("sipas stopped");
        Ok(())
    })
}
