/*
 * Reports: the figures of GET /v1/reports/summary for a date range and channel, drawn as charts,
 * with each table downloadable as CSV. The range and channel live in the URL (?since=&until=&channel=)
 * so a report can be bookmarked or shared with the team.
 */
(function () {
  "use strict";

  const sc = window.SupportConsole;
  const charts = window.SupportCharts;
  const { el } = sc;
  const $ = (id) => document.getElementById(id);
  const DEFAULT_DAYS = 30;

  function isoDay(date) {
    return date.toISOString().slice(0, 10);
  }

  function defaults() {
    const params = new URLSearchParams(location.search);
    const today = new Date();
    const start = new Date(today.getTime() - (DEFAULT_DAYS - 1) * 86400000);
    return {
      since: params.get("since") || isoDay(start),
      until: params.get("until") || isoDay(today),
      channel: params.get("channel") || "",
    };
  }

  function query(filters) {
    const params = new URLSearchParams({ since: filters.since, until: filters.until });
    if (filters.channel) params.set("channel", filters.channel);
    return params.toString();
  }

  function seconds(value) {
    if (value === null || value === undefined) return "–";
    if (value < 90) return `${Math.round(value)} s`;
    if (value < 5400) return `${Math.round(value / 60)} min`;
    return `${Math.round((value / 3600) * 10) / 10} h`;
  }

  function render(report, filters) {
    $("t-conversations").textContent = String(report.conversations);
    $("t-resolution").textContent = sc.percent(report.resolution_rate);
    $("t-handoff").textContent = sc.percent(report.handoff_rate);
    $("t-fallback").textContent = sc.percent(report.fallback_rate);
    $("t-csat").textContent = report.csat === null ? "no ratings" : `${sc.percent(report.csat)} of ${report.rated}`;
    $("t-first-response").textContent = seconds(report.first_response_seconds_p50);

    const days = report.daily.map((d) => d.day);
    charts.lineChart($("chart-rates"), {
      title: "Resolution, handoff and fallback rates per day",
      labels: days,
      percent: true,
      series: [
        { name: "Resolved by the bot", values: report.daily.map((d) => d.resolution_rate) },
        { name: "Handed off", values: report.daily.map((d) => d.handoff_rate) },
        { name: "Fallback turns", values: report.daily.map((d) => d.fallback_rate) },
        { name: "CSAT", values: report.daily.map((d) => d.csat) },
      ],
    });
    charts.columnChart($("chart-volume"), {
      title: "Conversations per day",
      kind: "volume",
      labels: days,
      values: report.daily.map((d) => d.conversations),
    });
    const intents = report.intents.slice(0, 12);
    charts.barChart($("chart-intents"), {
      title: "Buyer messages per intent",
      kind: "intents",
      labels: intents.map((i) => sc.humanize(i.intent)),
      stacks: [{ name: "Messages", values: intents.map((i) => i.count) }],
    });
    const articles = report.articles.slice(0, 12);
    charts.barChart($("chart-articles"), {
      title: "Answers per article, by rating",
      kind: "articles",
      labels: articles.map((a) => a.title),
      stacks: [
        { name: "Rated helpful", values: articles.map((a) => a.helpful) },
        { name: "Rated not helpful", values: articles.map((a) => a.not_helpful) },
        { name: "Not rated", values: articles.map((a) => a.answered - a.helpful - a.not_helpful) },
      ],
    });

    $("unanswered").replaceChildren(
      ...(report.unanswered.length
        ? report.unanswered.map((q) =>
            el(
              "tr",
              { "data-testid": "unanswered-row" },
              el("td", { text: q.text }),
              el("td", { class: "num", text: String(q.count) }),
              el("td", { class: "muted", text: q.examples.join(" · ") })
            )
          )
        : [el("tr", {}, el("td", { colspan: "3", class: "muted", text: "Every question got an answer in this range." }))])
    );
    $("agents").replaceChildren(
      ...(report.agents.length
        ? report.agents.map((a) =>
            el(
              "tr",
              { "data-testid": "agent-row" },
              el("td", { text: a.agent }),
              el("td", { class: "num", text: String(a.conversations) }),
              el("td", { class: "num", text: String(a.replies) }),
              el("td", { class: "num", text: seconds(a.first_response_seconds_p50) })
            )
          )
        : [el("tr", {}, el("td", { colspan: "4", class: "muted", text: "No agent replies in this range." }))])
    );
    for (const part of ["daily", "intents", "articles", "unanswered", "agents"]) {
      $(`csv-${part}`).setAttribute("href", `/v1/reports/${part}.csv?${query(filters)}`);
    }
  }

  async function load(filters) {
    $("filter-error").textContent = "";
    $("status").textContent = "Loading…";
    try {
      const report = await sc.api(`/v1/reports/summary?${query(filters)}`);
      render(report, filters);
      $("status").textContent = `${report.conversations} conversations from ${filters.since} to ${filters.until}`;
    } catch (error) {
      $("status").textContent = "";
      sc.handle(error, $("filter-error"));
    }
  }

  async function start() {
    const session = await sc.requireSession();
    if (!session) return;
    const filters = defaults();
    $("since").value = filters.since;
    $("until").value = filters.until;
    $("channel").value = filters.channel;
    $("reports").hidden = false;
    $("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      const next = { since: $("since").value, until: $("until").value, channel: $("channel").value };
      if (next.since && next.until && next.since > next.until) {
        $("filter-error").textContent = "The start date must not be after the end date.";
        return;
      }
      history.replaceState(null, "", `?${query(next)}`);
      load(next);
    });
    await load(filters);
  }

  start().catch((error) => sc.handle(error, $("status")));
})();
