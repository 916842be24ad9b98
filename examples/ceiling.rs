//! A trivial actix-web server: `GET /` answers `ok`. The benchmarks run it beside `lieux` as
//! the ceiling of a small HTTP answer on the machine (benches/tiles-bench.sh).
//!
//! ```sh
//! cargo run --release --example ceiling -- 127.0.0.1:18084
//! ```

use actix_web::{web, App, HttpResponse, HttpServer};

fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18084".to_owned());
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(|| {
            App::new().route(
                "/",
                web::get().to(|| async { HttpResponse::Ok().body("ok") }),
            )
        })
        .bind(&bind)?;
        eprintln!("listening on http://{bind}");
        server.run().await
    })
}
