//! Who a client is, and how often it may ask.
//!
//! A request names its client and the host it asked for in headers that anyone can write:
//! `X-Forwarded-For`, `X-Forwarded-Host`, `Forwarded`. They are read only when the connection
//! comes from a proxy that the operator trusts (`--trusted-proxies`); otherwise the client is the
//! peer of the connection and the host is the `Host` header. A URL built from a forged
//! `X-Forwarded-Host` would otherwise land in a cache (TileJSON's tile URLs), and a forged
//! `X-Forwarded-For` would give a client a new rate limit with every request.
//!
//! [`RateLimits`] keeps a token bucket per client and route group: the read routes (tiles,
//! search, the page) have none unless the operator sets one, and the routes that write have one
//! by default, since each write costs a build or a row in the store.
//! IPv6 clients are counted by their /64 network, which one subscriber usually holds whole.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::http_error::{ApiError, ErrorCode};

/// Addresses and networks whose proxy headers are believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

/// An address and the length of its prefix: `10.0.0.0/8`, `::1/128`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for TrustedProxies {
    type Err = String;

    /// Addresses or networks separated by commas (`127.0.0.1,10.0.0.0/8,::1`); `none` or
    /// nothing for none.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() || text == "none" {
            return Ok(Self::default());
        }
        text.split(',')
            .map(|item| {
                let item = item.trim();
                let (address, prefix) = item.split_once('/').unwrap_or((item, ""));
                let address: IpAddr = address
                    .parse()
                    .map_err(|_| format!("{item:?} is not an IP address or network"))?;
                let address = address.to_canonical();
                let bits = if address.is_ipv4() { 32 } else { 128 };
                let prefix = if prefix.is_empty() {
                    bits
                } else {
                    prefix
                        .parse::<u8>()
                        .ok()
                        .filter(|p| *p <= bits)
                        .ok_or_else(|| format!("{item:?}: the prefix must be 0 to {bits}"))?
                };
                Ok(Network { address, prefix })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl TrustedProxies {
    /// Whether `ip` is one of the trusted proxies.
    #[must_use]
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(ip))
    }

    fn peer(request: &HttpRequest) -> Option<IpAddr> {
        request.peer_addr().map(|a| a.ip().to_canonical())
    }

    /// The client of `request`: the peer, or, when the peer is a trusted proxy, the last
    /// address of `X-Forwarded-For` that is not one of the trusted proxies (the addresses
    /// before it were written by the client and prove nothing).
    #[must_use]
    pub fn client(&self, request: &HttpRequest) -> Option<IpAddr> {
        let peer = Self::peer(request)?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let mut client = peer;
        let forwarded: Vec<&str> = request
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in forwarded.iter().rev() {
            let Ok(hop) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = hop.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        Some(client)
    }

    /// `scheme://host` as the client asked for it: from the proxy's headers when the peer is
    /// trusted, otherwise `http` and the `Host` header.
    ///
    /// # Errors
    /// 400 when the host is not a host name, an IP address or either with a port.
    pub fn base_url(&self, request: &HttpRequest) -> Result<String, ApiError> {
        let trusted = Self::peer(request).is_some_and(|peer| self.trusts(peer));
        let (scheme, host) = if trusted {
            let info = request.connection_info();
            (info.scheme().to_owned(), info.host().to_owned())
        } else {
            let host = request
                .headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .or_else(|| request.uri().authority().map(ToString::to_string))
                .unwrap_or_else(|| request.app_config().host().to_owned());
            ("http".to_owned(), host)
        };
        let plain = |c: char| c.is_ascii_alphanumeric() || "-.:[]_".contains(c);
        if host.is_empty() || host.len() > 255 || !host.chars().all(plain) {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                "the Host header is not a host name with an optional port",
            ));
        }
        let scheme = if scheme == "https" { "https" } else { "http" };
        Ok(format!("{scheme}://{host}"))
    }
}

/// The routes that share a rate limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RouteGroup {
    /// Tiles, TileJSON and clusters.
    Tiles,
    /// Search, nearest, suggest, places and exports.
    Search,
    /// The pages, health, metrics, OpenAPI, unknown paths, and what is read under `/admin/`
    /// and `/contributions/` (the moderation page and its queue, an author following a
    /// contribution).
    Other,
    /// The requests that change something, or may: every method but GET and HEAD under
    /// `/admin/` and `/contributions`.
    Write,
}

impl RouteGroup {
    /// The group of a request, by its path and method. Under `/admin/` and `/contributions`,
    /// any method but GET and HEAD counts as a write (a made-up method there costs a token
    /// check, or a body read): a moderator reading the queue spends no write. Any method on
    /// another route counts in that route's group, so that a made-up method is no way around
    /// a limit, nor a way to spend another group's.
    #[must_use]
    pub fn of(request: &actix_web::dev::ServiceRequest) -> Self {
        let path = request.path();
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        let reads = matches!(
            *request.method(),
            actix_web::http::Method::GET | actix_web::http::Method::HEAD
        );
        match first {
            "admin" | "contributions" if reads => Self::Other,
            "admin" | "contributions" => Self::Write,
            "tiles" | "tiles.json" | "clusters" => Self::Tiles,
            "search" | "nearest" | "suggest" | "places" | "export.csv" => Self::Search,
            _ => Self::Other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Tiles => "tiles",
            Self::Search => "search",
            Self::Other => "other",
            Self::Write => "write",
        }
    }
}

/// One group's limit: `burst` requests at once, refilled at `per_second`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Requests a second, on average.
    pub per_second: f64,
    /// Requests that may come at once.
    pub burst: f64,
}

impl std::str::FromStr for Rate {
    type Err = String;

    /// `N/s`, `N/min` or `N/h`, then optionally `,burst=B` (default: one second's worth, at
    /// least 1).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (rate, burst) = text.split_once(',').unwrap_or((text, ""));
        let (count, unit) = rate
            .split_once('/')
            .ok_or_else(|| format!("{text:?}: write N/s, N/min or N/h"))?;
        let count: f64 = count
            .trim()
            .parse()
            .ok()
            .filter(|c: &f64| c.is_finite() && *c > 0.0)
            .ok_or_else(|| format!("{text:?}: the count must be a positive number"))?;
        let seconds = match unit.trim() {
            "s" => 1.0,
            "min" => 60.0,
            "h" => 3600.0,
            other => return Err(format!("{text:?}: unknown unit {other:?} (s, min or h)")),
        };
        let per_second = count / seconds;
        let burst = match burst.trim().strip_prefix("burst=") {
            None if burst.trim().is_empty() => per_second.max(1.0),
            Some(b) => b
                .parse::<f64>()
                .ok()
                .filter(|b| b.is_finite() && *b >= 1.0)
                .ok_or_else(|| format!("{text:?}: burst must be a number of at least 1"))?,
            None => return Err(format!("{text:?}: after the comma, write burst=N")),
        };
        Ok(Self { per_second, burst })
    }
}

/// The limits of every group, and the buckets of every client.
pub struct RateLimits {
    rates: HashMap<RouteGroup, Rate>,
    buckets: Mutex<HashMap<(RouteGroup, IpAddr), Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The most clients remembered at once; past it, the clients whose buckets are full again
/// (idle long enough to be forgotten) are dropped.
const MAX_CLIENTS: usize = 100_000;

impl RateLimits {
    /// The default limits: none on reads, 60 writes a minute (in bursts of 10) per client.
    #[must_use]
    pub fn default_rates() -> HashMap<RouteGroup, Rate> {
        HashMap::from([(
            RouteGroup::Write,
            Rate {
                per_second: 1.0,
                burst: 10.0,
            },
        )])
    }

    /// Limits with `rates`; a group without one is not limited.
    #[must_use]
    pub fn new(rates: HashMap<RouteGroup, Rate>) -> Self {
        Self {
            rates,
            buckets: Mutex::default(),
        }
    }

    /// Parses `--rate-limit GROUP=RATE` settings over the defaults; `GROUP=off` lifts one.
    ///
    /// # Errors
    /// An unknown group or a malformed rate.
    pub fn from_settings(settings: &[String]) -> Result<Self, String> {
        Self::rates_of(settings).map(Self::new)
    }

    /// The rates of `--rate-limit GROUP=RATE` settings over the defaults; `GROUP=off` lifts
    /// one.
    ///
    /// # Errors
    /// An unknown group or a malformed rate.
    pub fn rates_of(settings: &[String]) -> Result<HashMap<RouteGroup, Rate>, String> {
        let mut rates = Self::default_rates();
        for setting in settings {
            let (group, rate) = setting
                .split_once('=')
                .ok_or_else(|| format!("--rate-limit {setting:?}: write GROUP=RATE"))?;
            let group = match group.trim() {
                "tiles" => RouteGroup::Tiles,
                "search" => RouteGroup::Search,
                "other" => RouteGroup::Other,
                "write" => RouteGroup::Write,
                other => {
                    return Err(format!(
                        "--rate-limit: unknown group {other:?} (tiles, search, other, write)"
                    ))
                }
            };
            if rate.trim() == "off" {
                rates.remove(&group);
            } else {
                rates.insert(group, rate.parse()?);
            }
        }
        Ok(rates)
    }

    /// Takes one request of `client` in `group`, at `now`.
    ///
    /// # Errors
    /// 429 with `Retry-After` (whole seconds) when the client's bucket is empty.
    pub fn take(&self, group: RouteGroup, client: IpAddr, now: Instant) -> Result<(), ApiError> {
        let Some(rate) = self.rates.get(&group) else {
            return Ok(());
        };
        let key = (group, counted_as(client));
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&key) {
            buckets.retain(|(group, _), bucket| {
                self.rates.get(group).is_some_and(|rate| {
                    bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate.per_second
                        < rate.burst
                })
            });
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: rate.burst,
            at: now,
        });
        let refilled = now.duration_since(bucket.at).as_secs_f64() * rate.per_second;
        bucket.tokens = (bucket.tokens + refilled).min(rate.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = Duration::from_secs_f64((1.0 - bucket.tokens) / rate.per_second);
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Err(ApiError::new(
            ErrorCode::RateLimited,
            format!(
                "too many {} requests from this client: at most {} a second (bursts of {}); \
                 try again in {seconds} s",
                group.name(),
                rate.per_second,
                rate.burst
            ),
        )
        .with_header_value(header::RETRY_AFTER, seconds.into()))
    }
}

/// The key of a client: its IPv4 address, or its IPv6 /64 network.
fn counted_as(client: IpAddr) -> IpAddr {
    match client.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_contain_their_addresses_only() {
        let proxies: TrustedProxies = "127.0.0.1, 10.0.0.0/8, fd00::/8".parse().unwrap();
        for trusted in ["127.0.0.1", "10.200.3.4", "fd12::1", "::ffff:10.0.0.1"] {
            assert!(proxies.trusts(trusted.parse().unwrap()), "{trusted}");
        }
        for other in ["127.0.0.2", "11.0.0.1", "fe80::1", "::1"] {
            assert!(!proxies.trusts(other.parse().unwrap()), "{other}");
        }
        assert!("0.0.0.0/0"
            .parse::<TrustedProxies>()
            .unwrap()
            .trusts("8.8.8.8".parse().unwrap()));
        for bad in ["10.0.0.0/33", "localhost", "1.2.3.4/x", "::/129"] {
            assert!(bad.parse::<TrustedProxies>().is_err(), "{bad}");
        }
        assert_eq!(
            "none".parse::<TrustedProxies>().unwrap(),
            TrustedProxies::default()
        );
    }

    #[test]
    fn rates_parse_with_units_and_bursts() {
        let rate: Rate = "120/min,burst=30".parse().unwrap();
        assert_eq!((rate.per_second, rate.burst), (2.0, 30.0));
        let rate: Rate = "5/s".parse().unwrap();
        assert_eq!((rate.per_second, rate.burst), (5.0, 5.0));
        for bad in [
            "5",
            "0/s",
            "-1/s",
            "5/day",
            "5/s,30",
            "5/s,burst=0",
            "NaN/s",
        ] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bucket_empties_refills_and_tells_how_long_to_wait() {
        let limits = RateLimits::from_settings(&["search=2/s,burst=3".to_owned()]).unwrap();
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            limits.take(RouteGroup::Search, client, start).unwrap();
        }
        let refused = limits.take(RouteGroup::Search, client, start).unwrap_err();
        assert_eq!(refused.error, ErrorCode::RateLimited);
        assert!(refused.message.contains("1 s"), "{}", refused.message);
        // Another client, and another group, have buckets of their own; reads are unlimited.
        limits.take(RouteGroup::Search, other, start).unwrap();
        for _ in 0..100 {
            limits.take(RouteGroup::Tiles, client, start).unwrap();
        }
        // Half a second gives one request back.
        let later = start + Duration::from_millis(500);
        limits.take(RouteGroup::Search, client, later).unwrap();
        assert!(limits.take(RouteGroup::Search, client, later).is_err());
        // Writes are limited by default, and `off` lifts it.
        let defaults = RateLimits::from_settings(&[]).unwrap();
        let taken = (0..20)
            .filter(|_| defaults.take(RouteGroup::Write, client, start).is_ok())
            .count();
        assert_eq!(taken, 10);
        let off = RateLimits::from_settings(&["write=off".to_owned()]).unwrap();
        assert!((0..20).all(|_| off.take(RouteGroup::Write, client, start).is_ok()));
    }

    #[test]
    fn an_ipv6_subscriber_is_one_client_across_its_network() {
        let limits = RateLimits::from_settings(&["search=1/min,burst=1".to_owned()]).unwrap();
        let now = Instant::now();
        limits
            .take(RouteGroup::Search, "2001:db8:1:2::1".parse().unwrap(), now)
            .unwrap();
        assert!(limits
            .take(
                RouteGroup::Search,
                "2001:db8:1:2:ffff::9".parse().unwrap(),
                now
            )
            .is_err());
        limits
            .take(RouteGroup::Search, "2001:db8:1:3::1".parse().unwrap(), now)
            .unwrap();
    }

    #[test]
    fn reading_under_admin_spends_no_write() {
        use actix_web::test::TestRequest;
        let group = |request: TestRequest| RouteGroup::of(&request.to_srv_request());
        assert_eq!(
            group(TestRequest::get().uri("/admin/contributions")),
            RouteGroup::Other
        );
        assert_eq!(group(TestRequest::get().uri("/admin/")), RouteGroup::Other);
        assert_eq!(
            group(
                TestRequest::default()
                    .method(actix_web::http::Method::HEAD)
                    .uri("/contributions/1?key=k")
            ),
            RouteGroup::Other
        );
        for (method, path) in [
            ("POST", "/admin/contributions/1/accept"),
            ("POST", "/contributions"),
            ("DELETE", "/admin/contributions"),
            ("BREW", "/admin/reload"),
        ] {
            let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
            assert_eq!(
                group(TestRequest::default().method(method.clone()).uri(path)),
                RouteGroup::Write,
                "{method} {path}"
            );
        }
        assert_eq!(
            group(TestRequest::get().uri("/export.csv")),
            RouteGroup::Search
        );
    }
}
