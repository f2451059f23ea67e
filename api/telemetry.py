"""Prometheus metrics, one ``CollectorRegistry`` per app so several apps (tests) never collide."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        # The *_created series double the output and say nothing a scrape's own timestamps don't.
        disable_created_metrics()
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "supportbot_http_requests",
            "HTTP requests by route template, method and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "supportbot_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rasa_latency = Histogram(
            "supportbot_rasa_turn_duration_seconds",
            "Time Rasa took to answer one buyer turn.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.turns = Counter(
            "supportbot_chat_turns",
            "Buyer messages received, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.turn_stages = Histogram(
            "supportbot_turn_stage_duration_seconds",
            "Time of one buyer turn by stage: gateway (our own work), rasa (the whole round trip), "
            "nlu and dialogue (inside Rasa: lock, tracker store, policies and custom actions).",
            ["stage"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rasa_errors = Counter(
            "supportbot_rasa_errors", "Buyer turns Rasa could not answer.", registry=self.registry
        )
        self.intents = Counter(
            "supportbot_intents",
            "Buyer turns by the intent Rasa recognised.",
            ["intent"],
            registry=self.registry,
        )
        self.fallbacks = Counter(
            "supportbot_fallbacks",
            "Buyer turns Rasa could not classify with confidence (nlu_fallback).",
            registry=self.registry,
        )
        self.handoffs = Counter(
            "supportbot_handoffs",
            "Conversations handed to a person, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.agent_replies = Counter(
            "supportbot_agent_replies",
            "Replies sent by agents, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.csat_score = Gauge(
            "supportbot_csat_score",
            "Share of rated bot answers the buyer found helpful (0..1; NaN before any rating).",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.csat_rated = Gauge(
            "supportbot_csat_ratings",
            "Bot answers rated by buyers.",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.csat_score.set(float("nan"))

    def set_csat(self, csat: dict[str, Any]) -> None:
        self.csat_rated.set(float(csat.get("rated") or 0))
        score = csat.get("score")
        self.csat_score.set(float("nan") if score is None else float(score))

    # bot.chat.ChatMetrics: what the conversation service reports.

    def turn_received(self, channel: str) -> None:
        self.turns.labels(channel).inc()

    def rasa_answered(self, seconds: float) -> None:
        self.rasa_latency.observe(seconds)

    def rasa_failed(self) -> None:
        self.rasa_errors.inc()

    def intent_recognised(self, name: str, *, fallback: bool) -> None:
        self.intents.labels(name).inc()
        if fallback:
            self.fallbacks.inc()

    def turn_timed(self, stages: dict[str, float]) -> None:
        for stage, seconds in stages.items():
            self.turn_stages.labels(stage).observe(seconds)

    def handed_off(self, channel: str) -> None:
        self.handoffs.labels(channel).inc()

    def agent_replied(self, channel: str) -> None:
        self.agent_replies.labels(channel).inc()


class MetricsMiddleware:
    """Counts every response and times it, labelled by the route template (never the raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        finished: float | None = None

        async def send_wrapper(message: Message) -> None:
            nonlocal status, finished
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                # The buyer has the whole answer; background tasks that run after it don't count.
                finished = time.perf_counter()

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None)
            if template is None:
                # Mounted static files carry no route object; one label keeps the label set bounded.
                template = "/static/{path}" if scope.get("path", "").startswith("/static/") else "unmatched"
            method = scope.get("method", "GET")
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe((finished or time.perf_counter()) - started)
