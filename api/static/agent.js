/*
 * Agent console: sign-in by name, the handoff queue, live conversations, and for the selected one
 * the transcript with agent assist (intent, top help articles, the order's eligibility, suggested
 * replies).
 *
 * The session is an HttpOnly cookie (console.js sends the CSRF token with every change); any 401
 * returns to the sign-in form with a message. Every refresh also tells the server the agent is
 * at the console (presence: handoffs reach a person only while someone is).
 * All text from buyers, the bot and the assist service is inserted as text nodes.
 */
(function () {
  "use strict";

  const sc = window.SupportConsole;
  const { el, humanize } = sc;
  const { Unauthorized } = sc;
  const REFRESH_MS = 5000;
  const CHECKS = [
    ["cancel", "Cancel"],
    ["dispute", "Dispute"],
    ["refund", "Refund"],
    ["return", "Return"],
  ];

  const $ = (id) => document.getElementById(id);
  const view = {
    login: $("login-view"),
    loginForm: $("login-form"),
    name: $("name-input"),
    password: $("password-input"),
    loginError: $("login-error"),
    availability: $("availability"),
    console: $("console-view"),
    refreshStatus: $("refresh-status"),
    queue: $("handoff-queue"),
    queueCount: $("queue-count"),
    list: $("conversation-list"),
    liveCount: $("live-count"),
    empty: $("thread-empty"),
    body: $("thread-body"),
    title: $("thread-title"),
    meta: $("thread-meta"),
    transcript: $("transcript"),
    replyForm: $("reply-form"),
    reply: $("reply-input"),
    replyStatus: $("reply-status"),
    close: $("close-conversation"),
    assist: $("assist"),
    intent: $("assist-intent"),
    articles: $("assist-articles"),
    eligibility: $("assist-eligibility"),
    suggestions: $("assist-suggestions"),
  };

  let signedIn = false;
  let selected = null;
  let refreshTimer = null;
  let lastRendered = { list: "", messages: "", assist: "", meta: "" };

  // ---------------------------------------------------------------- helpers

  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

  function formatDate(iso, short) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso || "");
    const today = new Date().toDateString() === date.toDateString();
    return short && today ? timeFormat.format(date) : dateFormat.format(date);
  }

  function timeEl(iso, short) {
    return el("time", { datetime: iso, text: formatDate(iso, short) });
  }

  const api = (path) => sc.api(path);
  const post = (path, body) => sc.send("POST", path, body || {});

  // ---------------------------------------------------------------- login

  const REASONS = {
    expired: "Your session has ended. Sign in again.",
    "signed-out": "Sign in to continue.",
  };

  function showLogin(message) {
    clearTimeout(refreshTimer);
    signedIn = false;
    selected = null;
    view.console.hidden = true;
    view.login.hidden = false;
    view.loginError.textContent = message || "";
    view.password.value = "";
    (view.name.value ? view.password : view.name).focus();
  }

  function handleError(error, where) {
    if (error instanceof Unauthorized) {
      showLogin(REASONS.expired);
      return;
    }
    where.textContent = error instanceof TypeError ? "The support server could not be reached. Retrying…" : error.message;
  }

  /** Where to go after signing in: a console page named in ?next=, never another site. */
  function nextPage() {
    const next = new URLSearchParams(location.search).get("next") || "";
    return /^\/agent\/[a-z]+$/.test(next) ? next : null;
  }

  view.loginForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = view.name.value.trim();
    const password = view.password.value;
    if (!name || !password) {
      view.loginError.textContent = "Enter your name and password.";
      return;
    }
    try {
      await sc.signIn(name, password);
      view.loginError.textContent = "";
      const next = nextPage();
      if (next) {
        location.assign(next);
        return;
      }
      await enterConsole();
    } catch (error) {
      view.loginError.textContent =
        error instanceof Unauthorized
          ? "That name and password were not accepted."
          : error instanceof TypeError
            ? "The support server could not be reached."
            : error.message;
      view.password.select();
    }
  });

  async function enterConsole() {
    const data = await api("/v1/agent/conversations");
    sc.renderNav(sc.session);
    signedIn = true;
    showConsole(data);
    refreshAvailability();
  }

  async function refreshAvailability() {
    try {
      const now = await api("/v1/agent/availability");
      const who = now.present.length ? `online: ${now.present.join(", ")}` : "nobody online";
      view.availability.textContent = now.available
        ? `Handoffs reach agents · ${who}`
        : now.code === "closed"
          ? `Outside support hours (${now.hours}) · buyers get the contact channels`
          : "Nobody online · buyers get the contact channels";
      view.availability.dataset.code = now.code;
    } catch (error) {
      if (error instanceof Unauthorized) showLogin(REASONS.expired);
    }
  }

  function showConsole(data) {
    view.login.hidden = true;
    view.console.hidden = false;
    lastRendered = { list: "", messages: "", assist: "", meta: "" };
    renderConversations(data.conversations || []);
    const fromHash = new URLSearchParams(location.hash.slice(1)).get("session");
    if (fromHash) select(fromHash, { focusReply: false });
    scheduleRefresh();
  }

  // ---------------------------------------------------------------- conversation lists

  function statusBadge(status) {
    const labels = { bot: "Bot", handoff: "Waiting", agent: "With agent" };
    return el("span", { class: `badge badge-${status}`, "data-testid": "status-badge", text: labels[status] || humanize(status) });
  }

  function conversationItem(conv) {
    const current = conv.session_id === selected;
    return el(
      "li",
      {},
      el(
        "button",
        {
          type: "button",
          class: "conv" + (current ? " current" : ""),
          "aria-current": current ? "true" : null,
          "data-testid": "conversation-item",
          "data-session-id": conv.session_id,
          onclick: () => select(conv.session_id, { focusReply: true }),
        },
        el(
          "span",
          { class: "conv-top" },
          el("span", { class: "conv-who", text: conv.customer_id || "Anonymous visitor" }),
          statusBadge(conv.status)
        ),
        el("span", { class: "conv-last", text: conv.last_message || "No messages yet" }),
        el(
          "span",
          { class: "conv-meta" },
          el("span", { class: `channel channel-${conv.channel}`, text: conv.channel === "whatsapp" ? "WhatsApp" : "Web chat" }),
          conv.ticket_id !== null && conv.ticket_id !== undefined ? ` · ticket ${conv.ticket_id}` : "",
          conv.updated_at ? " · " : "",
          conv.updated_at ? timeEl(conv.updated_at, true) : ""
        )
      )
    );
  }

  function renderConversations(conversations) {
    const key = JSON.stringify([conversations, selected]);
    if (key === lastRendered.list) return;
    lastRendered.list = key;
    const waiting = conversations.filter((c) => c.status === "handoff");
    const others = conversations.filter((c) => c.status !== "handoff");
    view.queue.replaceChildren(...(waiting.length ? waiting.map(conversationItem) : [el("li", { class: "none", text: "Nobody is waiting." })]));
    view.list.replaceChildren(...(others.length ? others.map(conversationItem) : [el("li", { class: "none", text: "No other conversations." })]));
    view.queueCount.textContent = String(waiting.length);
    view.liveCount.textContent = String(others.length);
    document.title = waiting.length ? `(${waiting.length}) Agent console` : "Agent console";
  }

  // ---------------------------------------------------------------- the selected conversation

  async function select(sessionId, options) {
    if (selected !== sessionId) {
      selected = sessionId;
      lastRendered.messages = lastRendered.assist = lastRendered.meta = "";
      view.reply.value = "";
      view.replyStatus.textContent = "";
      history.replaceState(null, "", `#session=${encodeURIComponent(sessionId)}`);
      for (const button of document.querySelectorAll(".conv")) {
        const current = button.dataset.sessionId === sessionId;
        button.classList.toggle("current", current);
        if (current) button.setAttribute("aria-current", "true");
        else button.removeAttribute("aria-current");
      }
    }
    await loadSelected();
    if (options && options.focusReply && !view.body.hidden) view.reply.focus();
  }

  async function loadSelected() {
    if (!selected) return;
    const sessionId = selected;
    try {
      const data = await api(`/v1/agent/conversations/${encodeURIComponent(sessionId)}`);
      if (sessionId === selected) renderThread(data);
    } catch (error) {
      handleError(error, view.replyStatus);
    }
  }

  function renderThread(data) {
    view.empty.hidden = true;
    view.body.hidden = false;
    view.assist.hidden = false;
    const meta = JSON.stringify([data.customer_id, data.channel, data.status]);
    if (meta !== lastRendered.meta) {
      lastRendered.meta = meta;
      view.title.textContent = data.customer_id ? `Customer ${data.customer_id}` : "Anonymous visitor";
      view.meta.replaceChildren(
        statusBadge(data.status),
        ` ${data.channel === "whatsapp" ? "WhatsApp" : "Web chat"} · session ${data.session_id}`
      );
      view.close.disabled = data.status === "bot";
      view.close.title = data.status === "bot" ? "The bot is already handling this conversation" : "";
    }
    const messagesKey = JSON.stringify(data.messages || []);
    if (messagesKey !== lastRendered.messages) {
      lastRendered.messages = messagesKey;
      renderTranscript(data.messages || []);
    }
    const assistKey = JSON.stringify(data.assist || null);
    if (assistKey !== lastRendered.assist) {
      lastRendered.assist = assistKey;
      renderAssist(data.assist || {});
    }
  }

  function renderTranscript(messages) {
    const roles = { customer: "Buyer", bot: "Bot", agent: "Agent" };
    view.transcript.replaceChildren(
      ...messages.map((m) =>
        el(
          "li",
          { class: `line line-${m.role}`, "data-testid": "transcript-message", "data-role": m.role },
          el(
            "span",
            { class: "line-who" },
            m.role === "agent" && m.author ? `${m.author} (agent)` : roles[m.role] || humanize(m.role),
            m.created_at ? " · " : "",
            m.created_at ? timeEl(m.created_at, true) : ""
          ),
          m.text ? el("span", { class: "line-text", text: m.text }) : null,
          m.data && typeof m.data === "object" ? dataSummary(m.data) : null
        )
      )
    );
    view.transcript.scrollTop = view.transcript.scrollHeight;
  }

  /** A one-line note for a message's structured payload (cards are shown to the buyer; a WhatsApp
   * buyer's number or tap is shown with the option it picked). */
  function dataSummary(data) {
    const parts = [];
    if (data.option && data.option.title) parts.push(`Picked the option “${data.option.title}”`);
    if (data.source && data.source.title) parts.push(`Source: ${data.source.label || data.source.title}`);
    if (data.order_id) {
      const checks = CHECKS.filter(([name]) => data[name]).map(([name, label]) => `${label}: ${data[name].allowed ? "allowed" : "not allowed"}`);
      parts.push(`Order ${data.order_id}${data.status ? ` (${humanize(data.status)})` : ""}${checks.length ? " — " + checks.join(", ") : ""}`);
    }
    if (data.handoff) {
      const ticket = data.handoff.ticket_id !== undefined ? `, ticket ${data.handoff.ticket_id}` : "";
      parts.push(data.handoff.agent_available === false ? `No agent was available${ticket} (kept for later)` : `Handed off${ticket}`);
    }
    return parts.length ? el("span", { class: "line-data", text: parts.join(" · ") }) : null;
  }

  // ---------------------------------------------------------------- agent assist

  function insertIntoReply(text) {
    const current = view.reply.value.trimEnd();
    view.reply.value = current ? `${current}\n\n${text}` : text;
    view.reply.focus();
    view.reply.setSelectionRange(view.reply.value.length, view.reply.value.length);
    view.replyStatus.textContent = "Inserted into the reply. Edit it before sending.";
  }

  function meterFill(pct) {
    const fill = el("span", { class: "meter-fill" });
    fill.style.width = `${pct}%`;
    return fill;
  }

  function renderAssist(assist) {
    const intent = assist.intent;
    if (intent && intent.name) {
      const pct = Math.round(Math.max(0, Math.min(1, Number(intent.confidence) || 0)) * 100);
      view.intent.replaceChildren(
        el("p", { class: "intent-name", "data-testid": "intent-name", text: humanize(intent.name) }),
        el(
          "div",
          { class: "meter", role: "meter", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(pct), "aria-label": "Confidence" },
          meterFill(pct)
        ),
        el("p", { class: "muted", "data-testid": "intent-confidence", text: `${pct}% confidence` })
      );
    } else {
      view.intent.replaceChildren(el("p", { class: "muted", text: "No intent detected yet." }));
    }

    const articles = Array.isArray(assist.articles) ? assist.articles.slice(0, 3) : [];
    view.articles.replaceChildren(
      ...(articles.length
        ? articles.map((a) =>
            el(
              "li",
              { class: "article", "data-testid": "assist-article" },
              el(
                "div",
                { class: "article-head" },
                el("a", { href: `/help/${encodeURIComponent(a.id)}`, target: "_blank", rel: "noopener", text: a.title }),
                typeof a.score === "number" ? el("span", { class: "score", text: a.score.toFixed(2), title: "Relevance score" }) : null
              ),
              el("p", { class: "excerpt", text: a.answer }),
              el("button", {
                type: "button",
                class: "small",
                "data-testid": "insert-article",
                "aria-label": `Insert the answer of “${a.title}” into the reply`,
                text: "Insert",
                onclick: () => insertIntoReply(a.answer),
              })
            )
          )
        : [el("li", { class: "muted", text: "No matching help articles." })])
    );

    view.eligibility.replaceChildren(renderEligibility(assist.eligibility));

    const replies = Array.isArray(assist.suggested_replies) ? assist.suggested_replies : [];
    view.suggestions.replaceChildren(
      ...(replies.length
        ? replies.map((text) =>
            el(
              "li",
              {},
              el("button", { type: "button", class: "suggestion", "data-testid": "suggested-reply", text, onclick: () => insertIntoReply(text) })
            )
          )
        : [el("li", { class: "muted", text: "No suggestions." })])
    );
  }

  function renderEligibility(decision) {
    if (!decision || typeof decision !== "object") {
      return el("p", { class: "muted", text: "No order in this conversation (or the buyer is not signed in)." });
    }
    const rows = CHECKS.filter(([name]) => decision[name] && typeof decision[name] === "object").map(([name, label]) => {
      const check = decision[name];
      const dates = [];
      if (check.opens_at) dates.push(el("span", {}, "opens ", timeEl(check.opens_at)));
      if (check.closes_at) dates.push(el("span", {}, "closes ", timeEl(check.closes_at)));
      return el(
        "li",
        { class: "check", "data-check": name, "data-testid": "eligibility-check" },
        el(
          "div",
          { class: "check-head" },
          el("span", { class: "check-name", text: label }),
          el("span", {
            class: check.allowed ? "verdict yes" : "verdict no",
            "data-testid": "verdict",
            text: check.allowed ? "Allowed" : "Not allowed",
          })
        ),
        check.mode ? el("p", { class: "muted", text: `Mode: ${humanize(check.mode)}` }) : null,
        dates.length ? el("p", { class: "muted dates" }, ...dates.flatMap((w, i) => (i ? [" · ", w] : [w]))) : null,
        check.reason ? el("p", { class: "reason", text: check.reason }) : null
      );
    });
    return el(
      "div",
      { class: "eligibility", "data-testid": "eligibility-card" },
      el("p", { class: "eligibility-order" }, "Order ", el("strong", { text: String(decision.order_id || "") }), decision.status ? ` · ${humanize(decision.status)}` : ""),
      el("ul", { class: "checks" }, rows)
    );
  }

  // ---------------------------------------------------------------- reply and close

  view.replyForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = view.reply.value.trim();
    if (!text) {
      view.replyStatus.textContent = "Write a reply first.";
      view.reply.focus();
      return;
    }
    const sessionId = selected;
    const send = view.replyForm.querySelector("button[type=submit]");
    send.disabled = true;
    view.replyStatus.textContent = "Sending…";
    try {
      await post(`/v1/agent/conversations/${encodeURIComponent(sessionId)}/reply`, { text });
      if (sessionId === selected) {
        view.reply.value = "";
        view.replyStatus.textContent = "Sent to the buyer.";
      }
      await refresh();
    } catch (error) {
      handleError(error, view.replyStatus);
    } finally {
      send.disabled = false;
    }
  });

  view.reply.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      view.replyForm.requestSubmit();
    }
  });

  view.close.addEventListener("click", async () => {
    const sessionId = selected;
    view.close.disabled = true;
    try {
      await post(`/v1/agent/conversations/${encodeURIComponent(sessionId)}/close`);
      view.replyStatus.textContent = "Closed. The bot is answering this buyer again.";
      await refresh();
    } catch (error) {
      view.close.disabled = false;
      handleError(error, view.replyStatus);
    }
  });

  // ---------------------------------------------------------------- auto-refresh

  async function refresh() {
    try {
      const data = await api("/v1/agent/conversations");
      renderConversations(data.conversations || []);
      await loadSelected();
      await refreshAvailability();
      view.refreshStatus.textContent = `Updated ${timeFormat.format(new Date())}`;
    } catch (error) {
      handleError(error, view.refreshStatus);
    }
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      if (!signedIn) return;
      await refresh();
      if (signedIn) scheduleRefresh();
    }, REFRESH_MS);
  }

  // ---------------------------------------------------------------- start

  sc.loadSession()
    .then((session) => {
      if (!session) {
        showLogin(REASONS[new URLSearchParams(location.search).get("reason")] || "");
        return null;
      }
      const next = nextPage();
      if (next) {
        location.assign(next);
        return null;
      }
      return enterConsole();
    })
    .catch((error) => showLogin(error instanceof Unauthorized ? REASONS.expired : "The support server could not be reached."));
})();
