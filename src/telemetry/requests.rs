//! Requests by route and status, with their latency. The router names the route a request took
//! ([`NameRouteLayer`], inside the router, where axum knows the matched path); the layer around
//! the application ([`RecordLayer`]) reads that name from the response and records it, so the
//! route label is the path pattern (`/{section}/{slug}`), never a path a client made up.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use tower::{Layer, Service};

type Boxed = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// The label of requests no route matched.
const UNMATCHED: &str = "unmatched";

/// Copies the matched route into the response, for [`RecordLayer`].
#[derive(Clone, Copy)]
pub struct NameRouteLayer;

impl<S> Layer<S> for NameRouteLayer {
    type Service = NameRoute<S>;

    fn layer(&self, inner: S) -> NameRoute<S> {
        NameRoute(inner)
    }
}

#[derive(Clone)]
pub struct NameRoute<S>(S);

impl<S> Service<Request> for NameRoute<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Boxed;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Boxed {
        let route = request.extensions().get::<MatchedPath>().cloned();
        let answer = self.0.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            if let Some(route) = route {
                response.extensions_mut().insert(route);
            }
            Ok(response)
        })
    }
}

/// Counts every request the application answers and times it.
#[derive(Clone, Copy)]
pub struct RecordLayer;

impl<S> Layer<S> for RecordLayer {
    type Service = Record<S>;

    fn layer(&self, inner: S) -> Record<S> {
        Record(inner)
    }
}

#[derive(Clone)]
pub struct Record<S>(S);

impl<S> Service<Request> for Record<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Boxed;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Boxed {
        let started = Instant::now();
        let answer = self.0.call(request);
        Box::pin(async move {
            let response = answer.await?;
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
            Ok(response)
        })
    }
}
