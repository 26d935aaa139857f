//! Requests by route and status, with their latency. The router names the route a request took
//! ([`NameRoute`], inside the router, where axum knows the matched path); the layer around
//! the application ([`Record`]) reads that name from the response and records it, so the
//! route label is the path pattern (`/{section}/{slug}`), never a path a client made up.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use tower::{Layer, Service};

/// The label of requests no route matched.
const UNMATCHED: &str = "unmatched";

/// What a layer notes of a request before the inner service runs, and does with the response.
pub trait Step: Copy + Send + 'static {
    type Noted: Send + 'static;
    fn before(request: &Request) -> Self::Noted;
    fn after(noted: Self::Noted, response: &mut Response);
}

/// Copies the matched route into the response, for [`Record`].
#[derive(Clone, Copy)]
pub struct NameRoute;

impl Step for NameRoute {
    type Noted = Option<MatchedPath>;

    fn before(request: &Request) -> Option<MatchedPath> {
        request.extensions().get::<MatchedPath>().cloned()
    }

    fn after(route: Option<MatchedPath>, response: &mut Response) {
        if let Some(route) = route {
            response.extensions_mut().insert(route);
        }
    }
}

/// Counts every request the application answers and times it.
#[derive(Clone, Copy)]
pub struct Record;

impl Step for Record {
    type Noted = Instant;

    fn before(_: &Request) -> Instant {
        Instant::now()
    }

    fn after(started: Instant, response: &mut Response) {
        let route = response
            .extensions()
            .get::<MatchedPath>()
            .map_or(UNMATCHED, MatchedPath::as_str)
            .to_string();
        let status = response.status().as_u16().to_string();
        metrics::histogram!("broadsheet_http_request_duration_seconds", "route" => route.clone())
            .record(started.elapsed().as_secs_f64());
        metrics::counter!("broadsheet_http_requests_total", "route" => route, "status" => status)
            .increment(1);
    }
}

/// A layer that runs one [`Step`] around its service.
#[derive(Clone, Copy)]
pub struct StepLayer<T>(pub T);

impl<S, T: Step> Layer<S> for StepLayer<T> {
    type Service = Stepped<S, T>;

    fn layer(&self, inner: S) -> Stepped<S, T> {
        Stepped(inner, self.0)
    }
}

#[derive(Clone)]
pub struct Stepped<S, T>(S, T);

type Boxed = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S, T> Service<Request> for Stepped<S, T>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
    T: Step,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Boxed;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Boxed {
        let noted = T::before(&request);
        let answer = self.0.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            T::after(noted, &mut response);
            Ok(response)
        })
    }
}
