//! Every route of the API, in one table: which handler answers which path and methods.
//!
//! [`router`] configures an actix `App`; the binary and the in-process tests use the same
//! function, so what is tested is what runs. A resource carries the pattern of its route as
//! data ([`RoutePattern`]), the label of its metrics. A path no route takes is a JSON 404, and
//! a method a route does not take a JSON 405 with `Allow`.

use actix_web::middleware::Compress;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::answers::Description;
use crate::http_error::{ApiError, ErrorCode};
use crate::observe::RoutePattern;
use crate::params::{Filters, Group, NoParams, Parameter, RouteParams};
use crate::{
    about, admin, assets, basemap, campaign, contributions, feed, moderation, observe, ogc, search,
    tiles,
};

/// A route of the API as the OpenAPI document describes it (see [`crate::openapi`]).
#[derive(Debug)]
pub struct Operation {
    /// The route's pattern, as the router registers it.
    pub route: &'static str,
    /// Its path in the document, where path parameters are named for people.
    pub path: &'static str,
    /// `get` or `post`.
    pub method: &'static str,
    /// The query parameters it declares, besides the filters.
    pub parameters: &'static [Parameter],
    /// Which of them go together.
    pub groups: &'static [Group],
    /// Which filters it takes.
    pub filters: Filters,
    /// What it does and answers.
    pub description: &'static Description,
    /// Whether it reads its parameters from a JSON body ([`crate::params::Posted`]), each as
    /// the JSON value of its query-string declaration, rather than from its query string.
    pub posted: bool,
}

const fn operation<T: RouteParams>(
    route: &'static str,
    path: &'static str,
    method: &'static str,
    description: &'static Description,
) -> Operation {
    Operation {
        route,
        path,
        method,
        parameters: T::PARAMETERS,
        groups: T::GROUPS,
        filters: T::FILTERS,
        description,
        posted: false,
    }
}

/// The POST twin of a GET route `route` of the parameters `T`: the same parameters in a JSON
/// body, for a polygon longer than a query string may be.
const fn posted<T: RouteParams>(
    route: &'static str,
    description: &'static Description,
) -> Operation {
    Operation {
        posted: true,
        ..operation::<T>(route, route, "post", description)
    }
}

/// Every route of the API but the page's own: the document is made from this table, and the
/// router refuses to register a route that is not in it.
pub const OPERATIONS: &[Operation] = &[
    operation::<NoParams>("/health", "/health", "get", &about::HEALTH),
    operation::<NoParams>("/openapi.json", "/openapi.json", "get", &about::OPENAPI),
    operation::<search::SearchParams>("/search", "/search", "get", &search::SEARCH),
    posted::<search::SearchParams>("/search", &search::SEARCH_POSTED),
    operation::<search::NearestParams>("/nearest", "/nearest", "get", &search::NEAREST),
    operation::<search::SuggestParams>("/suggest", "/suggest", "get", &search::SUGGEST),
    operation::<NoParams>("/places/{id}", "/places/{id}", "get", &search::PLACE),
    operation::<search::ExportParams>("/export.csv", "/export.csv", "get", &search::EXPORT),
    posted::<search::ExportParams>("/export.csv", &search::EXPORT_POSTED),
    operation::<feed::ChangesParams>("/changes", "/changes", "get", &feed::CHANGES),
    operation::<feed::AtomParams>("/changes.atom", "/changes.atom", "get", &feed::ATOM),
    operation::<campaign::LinkParams>(
        "/confirmer/{id}",
        "/confirmer/{id}",
        "get",
        &campaign::CONFIRM_PAGE,
    ),
    operation::<campaign::LinkParams>(
        "/confirmer/{id}",
        "/confirmer/{id}",
        "post",
        &campaign::CONFIRM,
    ),
    operation::<ogc::FormatParams>("/ogc", "/ogc", "get", &ogc::LANDING),
    operation::<NoParams>("/ogc/api", "/ogc/api", "get", &about::OGC_API),
    operation::<ogc::FormatParams>(
        "/ogc/conformance",
        "/ogc/conformance",
        "get",
        &ogc::CONFORMANCE_PAGE,
    ),
    operation::<ogc::FormatParams>(
        "/ogc/collections",
        "/ogc/collections",
        "get",
        &ogc::COLLECTIONS,
    ),
    operation::<ogc::FormatParams>(
        "/ogc/collections/lieux",
        "/ogc/collections/lieux",
        "get",
        &ogc::COLLECTION,
    ),
    operation::<ogc::ItemsParams>(
        "/ogc/collections/lieux/items",
        "/ogc/collections/lieux/items",
        "get",
        &ogc::ITEMS,
    ),
    operation::<ogc::FormatParams>(
        "/ogc/collections/lieux/items/{id}",
        "/ogc/collections/lieux/items/{featureId}",
        "get",
        &ogc::ITEM,
    ),
    operation::<ogc::FormatParams>(
        "/ogc/collections/lieux/queryables",
        "/ogc/collections/lieux/queryables",
        "get",
        &ogc::QUERYABLES,
    ),
    operation::<NoParams>(
        "/ogc/collections/lieux/schema",
        "/ogc/collections/lieux/schema",
        "get",
        &ogc::SCHEMA,
    ),
    operation::<tiles::MapParams>("/tiles.json", "/tiles.json", "get", &tiles::TILEJSON),
    operation::<tiles::MapParams>(
        "/tiles/{z}/{x}/{tile}",
        "/tiles/{z}/{x}/{y}.mvt",
        "get",
        &tiles::TILE,
    ),
    operation::<tiles::ClustersParams>("/clusters", "/clusters", "get", &tiles::CLUSTERS),
    posted::<tiles::ClustersParams>("/clusters", &tiles::CLUSTERS_POSTED),
    operation::<tiles::MapParams>(
        "/clusters/{id}/children",
        "/clusters/{cluster_id}/children",
        "get",
        &tiles::CHILDREN,
    ),
    operation::<tiles::LeavesParams>(
        "/clusters/{id}/leaves",
        "/clusters/{cluster_id}/leaves",
        "get",
        &tiles::LEAVES,
    ),
    operation::<tiles::MapParams>(
        "/clusters/{id}/expansion-zoom",
        "/clusters/{cluster_id}/expansion-zoom",
        "get",
        &tiles::EXPANSION_ZOOM,
    ),
    operation::<NoParams>(
        basemap::ARCHIVE_PATH,
        basemap::ARCHIVE_PATH,
        "get",
        &basemap::ARCHIVE,
    ),
    operation::<NoParams>("/metrics", "/metrics", "get", &observe::METRICS),
    operation::<NoParams>("/admin/reload", "/admin/reload", "post", &admin::RELOAD),
    operation::<admin::GapsParams>(
        "/admin/search-gaps",
        "/admin/search-gaps",
        "get",
        &admin::SEARCH_GAPS,
    ),
    operation::<NoParams>(
        "/contributions",
        "/contributions",
        "post",
        &contributions::SUBMIT,
    ),
    operation::<contributions::FollowParams>(
        "/contributions/{id}",
        "/contributions/{id}",
        "get",
        &contributions::FOLLOW,
    ),
    operation::<moderation::QueueParams>(
        "/admin/contributions",
        "/admin/contributions",
        "get",
        &moderation::QUEUE,
    ),
    operation::<NoParams>(
        "/admin/contributions/{id}/accept",
        "/admin/contributions/{id}/accept",
        "post",
        &moderation::ACCEPT,
    ),
    operation::<NoParams>(
        "/admin/contributions/{id}/reject",
        "/admin/contributions/{id}/reject",
        "post",
        &moderation::REJECT,
    ),
    operation::<NoParams>(
        "/admin/contributions/{id}/revert",
        "/admin/contributions/{id}/revert",
        "post",
        &moderation::REVERT,
    ),
    operation::<NoParams>(
        "/admin/places/{id}/history",
        "/admin/places/{id}/history",
        "get",
        &moderation::HISTORY,
    ),
    operation::<NoParams>(
        "/admin/conflicts",
        "/admin/conflicts",
        "get",
        &moderation::CONFLICTS,
    ),
    operation::<campaign::CampaignParams>(
        "/admin/campaign.csv",
        "/admin/campaign.csv",
        "get",
        &campaign::CAMPAIGN,
    ),
];

/// `route`, once it is known to be in [`OPERATIONS`] with `method`.
///
/// # Panics
/// When it is not: a route is documented before it is served.
fn documented(route: &'static str, method: &str) -> &'static str {
    assert!(
        OPERATIONS
            .iter()
            .any(|operation| operation.route == route && operation.method == method),
        "{method} {route} is not in routes::OPERATIONS, which the OpenAPI document is made from"
    );
    route
}

/// Adds every route of the API to `config`.
pub fn router(config: &mut web::ServiceConfig) {
    config
        .app_data(web::QueryConfig::default().error_handler(|error, _| {
            ApiError::new(ErrorCode::InvalidParameter, error.to_string()).into()
        }))
        .app_data(web::PathConfig::default().error_handler(|error, _| {
            ApiError::new(ErrorCode::InvalidParameter, error.to_string()).into()
        }))
        .service(get_page("/", assets::index))
        .service(get_page("/embed", assets::embed))
        .service(get_page("/api", assets::api))
        .service(get_page("/admin/", assets::moderation))
        .service(get_page("/admin", assets::to_moderation))
        .service(
            web::scope("/assets")
                .app_data(RoutePattern("/assets/{file}"))
                .wrap(Compress::default())
                .default_service(web::to(assets::asset)),
        )
        .service(get("/health", about::health))
        .service(get("/openapi.json", about::openapi))
        .service(get("/tiles.json", tiles::tilejson))
        .service(get("/tiles/{z}/{x}/{tile}", tiles::tile))
        .service(get_or_post(
            "/clusters",
            tiles::clusters,
            tiles::clusters_posted,
        ))
        .service(get("/clusters/{id}/children", tiles::cluster_children))
        .service(get("/clusters/{id}/leaves", tiles::cluster_leaves))
        .service(get(
            "/clusters/{id}/expansion-zoom",
            tiles::cluster_expansion_zoom,
        ))
        .service(get_or_post(
            "/search",
            search::search,
            search::search_posted,
        ))
        .service(get("/nearest", search::nearest))
        .service(get("/suggest", search::suggest))
        .service(get("/places/{id}", search::place))
        .service(get_or_post(
            "/export.csv",
            search::export_all,
            search::export_posted,
        ))
        .service(get("/changes", feed::changes))
        .service(get("/ogc", ogc::landing))
        .service(get("/ogc/api", about::ogc_api))
        .service(get("/ogc/conformance", ogc::conformance))
        .service(get("/ogc/collections", ogc::collections))
        .service(get("/ogc/collections/lieux", ogc::collection))
        .service(get("/ogc/collections/lieux/items", ogc::items))
        .service(get("/ogc/collections/lieux/items/{id}", ogc::item))
        .service(get("/ogc/collections/lieux/queryables", ogc::queryables))
        .service(get("/ogc/collections/lieux/schema", ogc::schema))
        .service(get("/changes.atom", feed::atom))
        .service(
            web::resource("/confirmer/{id}")
                .app_data(RoutePattern(documented("/confirmer/{id}", "get")))
                .app_data(RoutePattern(documented("/confirmer/{id}", "post")))
                .route(web::get().to(campaign::page_of))
                .route(web::head().to(campaign::page_of))
                .route(web::post().to(campaign::confirm))
                .default_service(web::to(|request: HttpRequest| async move {
                    Err::<HttpResponse, _>(ApiError::method_not_allowed(
                        &request,
                        "GET, HEAD, POST",
                    ))
                })),
        )
        .service(get(basemap::ARCHIVE_PATH, basemap::archive))
        .service(get("/metrics", observe::metrics))
        .service(post("/contributions", contributions::submit))
        .service(get("/contributions/{id}", contributions::follow))
        .service(
            web::scope("/admin")
                .app_data(RoutePattern("/admin/{route}"))
                .service(
                    web::resource("/reload")
                        .app_data(RoutePattern(documented("/admin/reload", "post")))
                        .route(web::post().to(admin::reload))
                        .default_service(web::to(admin::other)),
                )
                .service(admin_get(
                    "/admin/contributions",
                    "/contributions",
                    moderation::queue,
                ))
                .service(admin_get(
                    "/admin/conflicts",
                    "/conflicts",
                    moderation::conflicts,
                ))
                .service(admin_get(
                    "/admin/campaign.csv",
                    "/campaign.csv",
                    campaign::export,
                ))
                .service(admin_get(
                    "/admin/places/{id}/history",
                    "/places/{id}/history",
                    moderation::history,
                ))
                .service(admin_post(
                    "/admin/contributions/{id}/accept",
                    "/contributions/{id}/accept",
                    moderation::accept,
                ))
                .service(admin_post(
                    "/admin/contributions/{id}/reject",
                    "/contributions/{id}/reject",
                    moderation::reject,
                ))
                .service(admin_post(
                    "/admin/contributions/{id}/revert",
                    "/contributions/{id}/revert",
                    moderation::revert,
                ))
                .service(
                    web::resource("/search-gaps")
                        .app_data(RoutePattern(documented("/admin/search-gaps", "get")))
                        .route(web::get().to(admin::search_gaps))
                        .route(web::head().to(admin::search_gaps))
                        .default_service(web::to(admin::other)),
                )
                .default_service(web::to(admin::other)),
        )
        .default_service(web::to(|request: HttpRequest| async move {
            Err::<HttpResponse, _>(ApiError::no_route(&request))
        }));
}

/// A page of the site read with GET and HEAD, compressed when the client accepts it; other
/// methods get a JSON 405 with `Allow`. Pages are not API routes: the document leaves them out.
fn get_page<F, Args>(
    path: &'static str,
    handler: F,
) -> actix_web::Resource<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
>
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .app_data(RoutePattern(path))
        .wrap(Compress::default())
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
        .default_service(web::to(|request: HttpRequest| async move {
            Err::<HttpResponse, _>(ApiError::method_not_allowed(&request, "GET, HEAD"))
        }))
}

/// A resource read with GET and HEAD (the same answer without its body, as HTTP requires);
/// other methods get a JSON 405 with `Allow`.
pub fn get<F, Args>(path: &'static str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    use actix_web::guard;
    web::resource(path)
        .app_data(RoutePattern(documented(path, "get")))
        .route(
            web::route()
                .guard(guard::Any(guard::Get()).or(guard::Head()))
                .to(handler),
        )
        .default_service(web::to(|request: HttpRequest| async move {
            Err::<HttpResponse, _>(ApiError::method_not_allowed(&request, "GET, HEAD"))
        }))
}

/// A resource read with GET and HEAD, its parameters in the query string, or with POST, its
/// parameters in a JSON body; other methods get a JSON 405 with `Allow`.
fn get_or_post<F, Args, P, PArgs>(path: &'static str, handler: F, posted: P) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
    P: actix_web::Handler<PArgs>,
    PArgs: actix_web::FromRequest + 'static,
    P::Output: actix_web::Responder + 'static,
{
    use actix_web::guard;
    web::resource(path)
        .app_data(RoutePattern(documented(path, "get")))
        .app_data(RoutePattern(documented(path, "post")))
        .route(
            web::route()
                .guard(guard::Any(guard::Get()).or(guard::Head()))
                .to(handler),
        )
        .route(web::post().to(posted))
        .default_service(web::to(|request: HttpRequest| async move {
            Err::<HttpResponse, _>(ApiError::method_not_allowed(&request, "GET, HEAD, POST"))
        }))
}

/// A resource read with POST only; other methods get a JSON 405 with `Allow`.
fn post<F, Args>(path: &'static str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .app_data(RoutePattern(documented(path, "post")))
        .route(web::post().to(handler))
        .default_service(web::to(|request: HttpRequest| async move {
            Err::<HttpResponse, _>(ApiError::method_not_allowed(&request, "POST"))
        }))
}

/// An admin resource read with GET and HEAD, at `path` within `/admin` (`route` in full);
/// other methods get `admin::other`, which checks the token first.
fn admin_get<F, Args>(route: &'static str, path: &'static str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .app_data(RoutePattern(documented(route, "get")))
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
        .default_service(web::to(admin::other))
}

/// An admin resource read with POST, as [`admin_get`].
fn admin_post<F, Args>(route: &'static str, path: &'static str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .app_data(RoutePattern(documented(route, "post")))
        .route(web::post().to(handler))
        .default_service(web::to(admin::other))
}

/// The routes in process: the app the server runs (`cli::app`), over the bundled data, asked
/// through `actix_web::test` with no socket and no process. What needs a real server (signals,
/// reloads, the page in a browser) is in `tests/`.
#[cfg(test)]
mod tests {
    use actix_web::http::{header, Method, StatusCode};
    use actix_web::test::TestRequest;

    use crate::in_process::{ask, error_of, get};

    #[actix_web::test]
    async fn every_route_of_the_table_answers_get() {
        for path in [
            "/health",
            "/openapi.json",
            "/tiles.json",
            "/clusters?zoom=3",
            "/search?q=mediatheque",
            "/nearest?lat=47.47&lon=-0.55",
            "/suggest?q=ang",
            "/metrics",
            "/",
        ] {
            let (status, headers, _) = ask(&[], TestRequest::get().uri(path)).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(headers.contains_key("x-request-id"), "{path}");
        }
        let (status, _, _) = ask(&[], TestRequest::get().uri("/tiles/0/0/0.mvt")).await;
        assert_eq!(status, StatusCode::OK);
    }

    #[actix_web::test]
    async fn unknown_paths_and_methods_get_json_404_and_405() {
        let (status, body) = get("/nowhere").await;
        assert_eq!(
            error_of(status, &body),
            (404, "not_found", "no route for GET /nowhere")
        );
        for (method, path, allow) in [
            (Method::POST, "/health", "GET, HEAD"),
            (Method::DELETE, "/tiles/0/0/0.mvt", "GET, HEAD"),
            (Method::PUT, "/", "GET, HEAD"),
        ] {
            let request = TestRequest::default().method(method.clone()).uri(path);
            let (status, headers, body) = ask(&[], request).await;
            let (code, error, message) = error_of(status, &body);
            assert_eq!(
                (code, error),
                (405, "method_not_allowed"),
                "{method} {path}"
            );
            assert!(message.starts_with(&format!("{method} is not allowed on {path}")));
            assert_eq!(headers.get(header::ALLOW).unwrap(), allow);
        }
        // Admin off: every admin route is a 404, whatever its parameters.
        for path in [
            "/admin/reload",
            "/admin/search-gaps?limit=5000",
            "/admin/other",
        ] {
            let (status, body) = get(path).await;
            assert_eq!(error_of(status, &body).0, 404, "{path}");
        }
    }

    #[actix_web::test]
    async fn each_route_refuses_the_names_it_does_not_declare() {
        for (path, takes) in [
            ("/health?x=1", "this route takes none"),
            ("/places/a?full=1", "this route takes none"),
            (
                "/tiles/0/0/0.mvt?debug=1",
                "this route takes the filters and open_at, open_now, include_unknown, cluster_by, cluster_counts, fields",
            ),
            (
                "/clusters?zoom=3&debug=1",
                "this route takes the filters and bbox, zoom, open_at, open_now, include_unknown, cluster_by, cluster_counts, fields",
            ),
            (
                "/export.csv?services=x",
                "this route takes departement, epci, code_insee, code_postal, polygon",
            ),
            (
                "/suggest?q=a&services=x",
                "this route takes q, limit, lat, lon",
            ),
            (
                "/nearest?lat=1&lon=1&radius=5",
                "this route takes the filters and lat, lon, k",
            ),
        ] {
            let (status, body) = get(path).await;
            let (code, error, message) = error_of(status, &body);
            assert_eq!((code, error), (400, "invalid_parameter"), "{path}");
            assert!(
                message.starts_with("unknown parameter"),
                "{path}: {message}"
            );
            assert!(message.ends_with(takes), "{path}: {message}");
        }
        // A filter name is taken where the filters are, and a declared name given twice is not.
        assert_eq!(get("/tiles/0/0/0.mvt?services=Num%C3%A9rique").await.0, 400);
        let (status, body) = get("/search?limit=1&limit=2").await;
        assert_eq!(error_of(status, &body).2, "limit: given twice");
    }

    #[actix_web::test]
    async fn limits_and_rules_between_parameters_say_what_to_change() {
        for (path, message) in [
            (
                "/search?limit=5000",
                "limit: 5000 is above the maximum of 1000",
            ),
            (
                "/search?offset=20000",
                "offset: 20000 is above the maximum of 10000",
            ),
            ("/clusters?zoom=30", "zoom: 30 is above the maximum of 22"),
            (
                "/clusters/1/leaves?limit=5000",
                "limit: 5000 is above the maximum of 1000",
            ),
            ("/suggest?limit=51", "limit: 51 is above the maximum of 50"),
            ("/nearest?lat=1&lon=2&k=0", "k: 0 is outside 1 to 1000"),
            ("/search?lat=91&lon=0", "lat: 91 is outside -90 to 90"),
            ("/search?lat=0&lon=181", "lon: 181 is outside -180 to 180"),
            ("/search?radius=100", "radius: needs lat and lon"),
            ("/search?lat=1", "lat: given without lon"),
            ("/search?sort=distance", "sort: distance needs lat and lon"),
            (
                "/search?open_now=true&open_at=2026-12-04T10:00",
                "open_now: give open_at or open_now, not both",
            ),
            (
                "/tiles/3/4/2.mvt?open_now=true&open_at=2026-12-04T10:00",
                "open_now: give open_at or open_now, not both",
            ),
            (
                "/clusters?zoom=3&open_at=tomorrow",
                "open_at: \"tomorrow\" is not a local date-time such as 2026-11-24T14:30",
            ),
            (
                "/tiles.json?open_now=maybe",
                "open_now: \"maybe\" is not true or false",
            ),
            (
                "/export.csv?epci=24490001",
                "epci: \"24490001\" is not a valid code",
            ),
            (
                "/changes?code_insee=4900",
                "code_insee: \"4900\" is not a valid code",
            ),
            (
                "/tiles/3/4/2.mvt?departement=4",
                "departement: \"4\" is not a valid code",
            ),
            ("/clusters", "zoom is required"),
        ] {
            let (status, body) = get(path).await;
            assert_eq!(
                error_of(status, &body),
                (400, "invalid_parameter", message),
                "{path}"
            );
        }
        // Latitudes bound a band whichever comes first.
        assert_eq!(
            get("/clusters?zoom=6&bbox=-2,48,1,46").await,
            get("/clusters?zoom=6&bbox=-2,46,1,48").await
        );
        // A path that names no tile of the grid is not found.
        for path in ["/tiles/23/0/0.mvt", "/tiles/3/8/0.mvt", "/tiles/a/0/0.mvt"] {
            let (status, body) = get(path).await;
            assert_eq!(error_of(status, &body).0, 404, "{path}");
        }
        // The limits are the server's own.
        let request = TestRequest::get().uri("/search?limit=1500");
        let (status, _, body) = ask(&["--max-limit", "2000"], request).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    #[actix_web::test]
    async fn the_cache_control_of_tiles_is_the_operators() {
        let setting = "public, max-age=60, stale-while-revalidate=600";
        let request = TestRequest::get().uri("/tiles/0/0/0.mvt");
        let (status, headers, _) = ask(&["--tile-cache-control", setting], request).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), setting);
        let refused = crate::cli::ServeSettings::parse(&["--tile-cache-control", "max-age=60\n"]);
        assert!(refused.is_err_and(|e| e.to_string().contains("--tile-cache-control")));
    }

    #[actix_web::test]
    async fn every_get_of_the_table_answers_head_alike_and_geojson_says_so() {
        let (_, page) = get("/search?limit=1").await;
        let id = page["features"][0]["properties"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, clusters) = get("/clusters?zoom=0").await;
        let cluster = clusters["features"][0]["properties"]["cluster_id"].to_string();
        for operation in super::OPERATIONS.iter().filter(|o| o.method == "get") {
            let path = operation
                .route
                .replace("{z}/{x}/{tile}", "8/126/90.mvt")
                .replace(
                    "{id}",
                    if operation.route.starts_with("/places") {
                        &id
                    } else {
                        &cluster
                    },
                );
            let path = match operation.route {
                "/clusters" => format!("{path}?zoom=4"),
                "/nearest" => format!("{path}?lat=47.47&lon=-0.55"),
                _ => path,
            };
            let (status, headers, body) = ask(&[], TestRequest::get().uri(&path)).await;
            let request = TestRequest::default().method(Method::HEAD).uri(&path);
            // The body of a HEAD answer is dropped by actix's HTTP layer (`tests/hostile.rs`
            // asks over a socket); here, the same status and content type as GET.
            let (head_status, head_headers, _) = ask(&[], request).await;
            assert_eq!(head_status, status, "HEAD {path}");
            let content_type =
                |headers: &header::HeaderMap| headers.get(header::CONTENT_TYPE).cloned();
            assert_eq!(
                content_type(&head_headers),
                content_type(&headers),
                "{path}"
            );
            let geojson = body["type"] == "FeatureCollection" || body["type"] == "Feature";
            if geojson && !path.starts_with("/search") {
                assert_eq!(
                    content_type(&headers).unwrap(),
                    crate::search::GEOJSON,
                    "{path}"
                );
            }
        }
    }

    #[actix_web::test]
    async fn the_api_documentation_page_is_a_page_of_the_server() {
        let (status, headers, _) = ask(&[], TestRequest::get().uri("/api")).await;
        assert_eq!(status, StatusCode::OK);
        let content_type = headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(headers.contains_key(header::ETAG));
        let (status, headers, _) = ask(&[], TestRequest::post().uri("/api")).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(headers.get(header::ALLOW).unwrap(), "GET, HEAD");
    }
}
