/*
 * supportbot chat widget.
 *
 * Embed with one tag; the API origin is taken from this script's own src, so the widget works on
 * any page, including another origin:
 *   <script src="https://support.example.com/widget.js"
 *           data-customer-id="C1001" data-customer-hash="<HMAC computed by the shop's server>" async></script>
 *   or, with an identity that expires: data-customer-token="<JWT signed by the shop's server>".
 *
 * Contracts kept here:
 * - Everything renders inside an open Shadow DOM with its own stylesheet: the page's CSS cannot
 *   restyle the widget and the widget's CSS cannot leak into the page.
 * - Text from buyers, the bot and agents only ever reaches the DOM through text nodes (never
 *   innerHTML), so a message cannot inject markup.
 * - The conversation (session id, transcript, open state) is kept in localStorage under a key
 *   namespaced by customer id, so a different signed-in customer never sees another's transcript.
 * - Mounting twice (e.g. the shop re-inserts the tag after a sign-in) replaces the old instance.
 */
(function () {
  "use strict";

  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script) return;

  /** The customer id inside a widget token (its `sub`), only to name where the transcript is kept;
   * the gateway checks the token's signature. */
  function tokenSubject(token) {
    try {
      const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const claims = JSON.parse(atob(payload + "=".repeat((4 - (payload.length % 4)) % 4)));
      return typeof claims.sub === "string" && claims.sub ? claims.sub : null;
    } catch (_) {
      return null;
    }
  }

  if (window.SupportbotWidget && typeof window.SupportbotWidget.destroy === "function") {
    window.SupportbotWidget.destroy();
  }

  const API_BASE = (script.dataset.apiBase || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const CUSTOMER_TOKEN = (script.dataset.customerToken || "").trim() || null;
  const CUSTOMER_ID = (script.dataset.customerId || "").trim() || tokenSubject(CUSTOMER_TOKEN);
  const CUSTOMER_HASH = (script.dataset.customerHash || "").trim() || null;
  const STORAGE_KEY = "supportbot:v1:" + (CUSTOMER_ID ? "customer:" + CUSTOMER_ID : "anonymous");
  const MAX_STORED_MESSAGES = 150;
  const MAX_MESSAGE_CHARS = 2000;
  const POLL_OPEN_MS = 3000;
  const POLL_CLOSED_MS = 15000;
  const REQUEST_TIMEOUT_MS = 20000;
  const SVG_NS = "http://www.w3.org/2000/svg";

  const CHECK_LABELS = { cancel: "Cancel", dispute: "Dispute", refund: "Refund", return: "Return" };
  const CHECKS = ["cancel", "dispute", "refund", "return"];
  const MESSAGES = {
    tooQuick: "You're sending messages too quickly. Please wait a moment, then try again.",
    network: "We couldn't reach support. Check your connection and try again.",
    server: "Something went wrong on our side. Please try again.",
    feedbackFailed: "Couldn't record your rating. Please try again.",
  };
  const SUGGESTIONS = ["Where is my order?", "Cancel an order", "Return an item", "Talk to a person"];

  // ---------------------------------------------------------------- state and storage

  function newSessionId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function loadState() {
    let saved = null;
    try {
      saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
    } catch (_) {
      saved = null;
    }
    const valid = saved && typeof saved.sessionId === "string" && Array.isArray(saved.messages);
    return {
      sessionId: valid ? saved.sessionId : newSessionId(),
      open: valid ? Boolean(saved.open) : false,
      messages: valid ? saved.messages.filter((m) => m && typeof m === "object") : [],
      lastId: valid ? saved.lastId ?? null : null,
      handoff: valid ? Boolean(saved.handoff) : false,
      unread: valid ? Number(saved.unread) || 0 : 0,
    };
  }

  const state = loadState();
  let localCounter = 0;

  function saveState() {
    const messages = state.messages.slice(-MAX_STORED_MESSAGES).map((m) => {
      const copy = Object.assign({}, m);
      if (copy.status === "sending") copy.status = "failed";
      return copy;
    });
    try {
      localStorage.setItem(
        STORAGE_KEY,
        JSON.stringify({
          sessionId: state.sessionId,
          open: state.open,
          messages,
          lastId: state.lastId,
          handoff: state.handoff,
          unread: state.unread,
        })
      );
    } catch (_) {
      // Private browsing or a full quota: the chat still works, it just won't survive a reload.
    }
  }

  function localKey() {
    localCounter += 1;
    return `local-${Date.now().toString(36)}-${localCounter}`;
  }

  // ---------------------------------------------------------------- DOM helpers

  /** el("div", {class: "x", "data-testid": "y", onclick: fn}, child, "text") -- text children become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
      else if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  /** Inline SVG icons (fixed markup built with createElementNS; no external requests). */
  function icon(name) {
    const paths = {
      chat: "M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6A.5.5 0 0 1 5 19.2V16h0A2.5 2.5 0 0 1 4 13.5z",
      close: "M6 6l12 12M18 6L6 18",
      send: "M4 12l16-8-6 16-2.5-6.5z M11.5 13.5L20 4",
      up: "M7 11v9H4v-9zm0 0l4-8a2 2 0 0 1 2 2v4h5.5a2 2 0 0 1 2 2.3l-1.2 7A2 2 0 0 1 17.3 20H7",
      down: "M7 13V4H4v9zm0 0l4 8a2 2 0 0 0 2-2v-4h5.5a2 2 0 0 0 2-2.3l-1.2-7A2 2 0 0 0 17.3 4H7",
      doc: "M7 3h7l5 5v13H7zM14 3v5h5M10 13h6M10 17h6",
      person: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 8a7 7 0 0 1 14 0",
      alert: "M12 4l9 16H3zM12 10v4M12 17v.5",
      open: "M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5",
    };
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", `sb-icon sb-icon-${name}`);
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", paths[name]);
    svg.appendChild(path);
    return svg;
  }

  /** Bot text with http(s) links made clickable; every piece is a text node or an <a> built here. */
  function richText(text) {
    const frag = document.createDocumentFragment();
    const pattern = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      frag.appendChild(document.createTextNode(text.slice(last, match.index)));
      frag.appendChild(el("a", { href: match[0], target: "_blank", rel: "noopener noreferrer", text: match[0] }));
      last = match.index + match[0].length;
    }
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  function humanize(value) {
    const text = String(value || "").replace(/_/g, " ").trim();
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  }

  function helpUrl(articleId) {
    return `${API_BASE}/help/${encodeURIComponent(articleId)}`;
  }

  /** A source's help page on the gateway: its `url` (a /help/ path), or built from its id (older messages). */
  function sourceUrl(source) {
    const path = typeof source.url === "string" && /^\/help\/[^/]/.test(source.url) ? source.url : null;
    return path ? API_BASE + path : helpUrl(source.id);
  }

  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  const relativeFormat = typeof Intl.RelativeTimeFormat === "function" ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;

  function relative(date) {
    if (!relativeFormat) return "";
    const days = Math.round((date.getTime() - Date.now()) / 86400000);
    if (Math.abs(days) >= 1) return relativeFormat.format(days, "day");
    const hours = Math.round((date.getTime() - Date.now()) / 3600000);
    return relativeFormat.format(hours, "hour");
  }

  /** <time datetime="ISO">Mar 3, 2026, 10:00 AM</time> (in 4 days) */
  function timeNode(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return el("span", { text: String(iso) });
    const rel = relative(date);
    return el("span", { class: "sb-when" }, el("time", { datetime: iso, text: dateFormat.format(date) }), rel ? ` (${rel})` : null);
  }

  function money(amount, currency) {
    const number = Number(amount);
    if (!Number.isFinite(number)) return `${amount} ${currency || ""}`.trim();
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "USD" }).format(number);
    } catch (_) {
      return `${number.toFixed(2)} ${currency || ""}`.trim();
    }
  }

  // ---------------------------------------------------------------- the widget's DOM

  const host = el("div", { id: "supportbot-widget", "data-supportbot": "" });
  host.style.display = "none"; // until the stylesheet is loaded, so the page never flashes unstyled markup
  const root = host.attachShadow({ mode: "open" });
  const stylesheet = el("link", { rel: "stylesheet", href: `${API_BASE}/static/widget.css` });
  const reveal = () => {
    host.style.removeProperty("display");
    scrollToEnd();
  };
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", reveal);

  const unreadBadge = el("span", { class: "sb-unread", "data-testid": "chat-unread", hidden: true });
  const launcher = el(
    "button",
    {
      type: "button",
      class: "sb-launcher",
      "data-testid": "chat-launcher",
      "aria-controls": "sb-panel",
      "aria-expanded": "false",
      "aria-label": "Open support chat",
      onclick: () => setOpen(!state.open),
    },
    icon("chat"),
    icon("close"),
    unreadBadge
  );

  const log = el("div", {
    class: "sb-log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-label": "Conversation",
    "data-testid": "chat-log",
    tabindex: "0",
  });
  const typing = el(
    "div",
    { class: "sb-typing", "data-testid": "typing-indicator", role: "status", "aria-label": "Support is typing", hidden: true },
    el("span", { class: "sb-dot" }),
    el("span", { class: "sb-dot" }),
    el("span", { class: "sb-dot" })
  );
  const errorText = el("p", { class: "sb-error-text" });
  const retryButton = el("button", { type: "button", class: "sb-error-retry", "data-testid": "chat-retry", text: "Retry" });
  const errorBar = el(
    "div",
    { class: "sb-error", role: "alert", "data-testid": "chat-error", hidden: true },
    icon("alert"),
    errorText,
    retryButton,
    el("button", { type: "button", class: "sb-error-dismiss", "aria-label": "Dismiss", onclick: () => hideError() }, icon("close"))
  );
  const input = el("textarea", {
    class: "sb-input",
    "data-testid": "chat-input",
    rows: "1",
    maxlength: String(MAX_MESSAGE_CHARS),
    placeholder: "Type your message…",
    "aria-label": "Message",
    autocomplete: "off",
  });
  const sendButton = el(
    "button",
    { type: "submit", class: "sb-send", "data-testid": "chat-send", "aria-label": "Send message" },
    icon("send")
  );
  const form = el("form", { class: "sb-composer", onsubmit: onSubmit }, input, sendButton);

  const closeButton = el(
    "button",
    { type: "button", class: "sb-close", "aria-label": "Close chat", "data-testid": "chat-close", onclick: () => setOpen(false) },
    icon("close")
  );
  const header = el(
    "header",
    { class: "sb-header" },
    el("div", { class: "sb-avatar", "aria-hidden": "true" }, icon("chat")),
    el(
      "div",
      { class: "sb-heading" },
      el("h2", { class: "sb-title", id: "sb-title", text: "Help & support" }),
      el("p", {
        class: "sb-subtitle",
        "data-testid": "chat-identity",
        text: CUSTOMER_ID ? "Signed in · we can check your orders" : "Not signed in · sign in to check your orders",
      })
    ),
    closeButton
  );
  const panel = el(
    "section",
    { class: "sb-panel", id: "sb-panel", role: "dialog", "aria-labelledby": "sb-title", "data-testid": "chat-panel", hidden: true },
    header,
    log,
    typing,
    errorBar,
    form,
    el("p", { class: "sb-footnote", text: "Answers come from our help center. Ask for a person any time." })
  );

  append(root, [stylesheet, panel, launcher]);

  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.open) {
      event.preventDefault();
      setOpen(false);
    }
  });

  // ---------------------------------------------------------------- rendering messages

  const nodes = new Map(); // message key -> element in the log

  function renderWelcome() {
    return el(
      "div",
      { class: "sb-msg sb-msg-bot sb-welcome", "data-testid": "welcome-message" },
      el("div", { class: "sb-bubble", text: "Hi! I'm the support assistant. Ask me about an order, a refund, a return or anything in our help center." }),
      el(
        "div",
        { class: "sb-quick", role: "group", "aria-label": "Suggestions" },
        SUGGESTIONS.map((text) => el("button", { type: "button", class: "sb-chip", onclick: () => sendText(text), text }))
      )
    );
  }

  function renderMessage(message) {
    if (message.role === "user") {
      const failed = message.status === "failed";
      return el(
        "div",
        { class: "sb-msg sb-msg-user" + (failed ? " sb-failed" : ""), "data-testid": "user-message" },
        el("div", { class: "sb-bubble", text: message.text }),
        failed ? el("p", { class: "sb-note", text: "Not sent" }) : null
      );
    }
    const isAgent = message.role === "agent";
    const data = message.data && typeof message.data === "object" ? message.data : {};
    const source = message.source || data.source || null;
    const node = el("div", {
      class: "sb-msg sb-msg-bot" + (isAgent ? " sb-msg-agent" : ""),
      "data-testid": "bot-message",
      "data-role": isAgent ? "agent" : "bot",
      "data-message-id": message.id ?? null,
    });
    if (isAgent) node.appendChild(el("p", { class: "sb-sender" }, icon("person"), "Support agent"));
    if (message.text) node.appendChild(el("div", { class: "sb-bubble" }, richText(String(message.text))));
    const cards = renderCards(data);
    if (cards) node.appendChild(cards);
    if (source && source.id) node.appendChild(renderSource(source));
    if (Array.isArray(message.buttons) && message.buttons.length && !message.buttonsUsed) {
      node.appendChild(renderButtons(message));
    }
    if (message.id !== null && message.id !== undefined && !isAgent) node.appendChild(renderFeedback(message));
    return node;
  }

  /**
   * The article behind an answer: "Source: <title> (<platform> help center)" linking to its help page
   * and, when the answer was only part of the article, "Read the whole article". Both open a new tab.
   */
  function renderSource(source) {
    const href = sourceUrl(source);
    const label = String(source.label || source.title || source.id);
    return el(
      "div",
      { class: "sb-sources" },
      el("a", { class: "sb-source", href, target: "_blank", rel: "noopener", "data-testid": "source-link" }, icon("doc"), `Source: ${label}`),
      source.more
        ? el(
            "a",
            {
              class: "sb-more",
              href,
              target: "_blank",
              rel: "noopener",
              "aria-label": `Read the whole article: ${label}`,
              "data-testid": "article-link",
            },
            "Read the whole article",
            icon("open")
          )
        : null
    );
  }

  function renderButtons(message) {
    return el(
      "div",
      { class: "sb-quick", role: "group", "aria-label": "Quick replies", "data-testid": "quick-replies" },
      message.buttons.map((button) =>
        el("button", {
          type: "button",
          class: "sb-chip",
          "data-testid": "quick-reply",
          text: button.title || button.payload,
          onclick: () => {
            if (sendText(button.payload || button.title, button.title || button.payload)) input.focus();
          },
        })
      )
    );
  }

  function renderFeedback(message) {
    const wrap = el("div", { class: "sb-feedback", role: "group", "aria-label": "Was this helpful?", "data-testid": "feedback" });
    if (message.rating === "up" || message.rating === "down") {
      wrap.appendChild(
        el("p", {
          class: "sb-feedback-done",
          "data-testid": "feedback-recorded",
          text: message.rating === "up" ? "Thanks, glad it helped." : "Thanks for telling us. Ask for a person if you need more help.",
        })
      );
      return wrap;
    }
    const status = el("span", { class: "sb-feedback-status", role: "status" });
    const rate = (helpful) => async (event) => {
      for (const b of wrap.querySelectorAll("button")) b.disabled = true;
      event.currentTarget.setAttribute("aria-pressed", "true");
      status.textContent = "";
      const ok = await postFeedback(message.id, helpful);
      if (ok) {
        message.rating = helpful ? "up" : "down";
        saveState();
        wrap.replaceWith(renderFeedback(message));
      } else {
        for (const b of wrap.querySelectorAll("button")) {
          b.disabled = false;
          b.setAttribute("aria-pressed", "false");
        }
        status.textContent = MESSAGES.feedbackFailed;
      }
    };
    append(wrap, [
      el("span", { class: "sb-feedback-label", text: "Helpful?" }),
      el(
        "button",
        { type: "button", class: "sb-rate", "aria-label": "Helpful", "aria-pressed": "false", "data-testid": "feedback-up", onclick: rate(true) },
        icon("up")
      ),
      el(
        "button",
        { type: "button", class: "sb-rate", "aria-label": "Not helpful", "aria-pressed": "false", "data-testid": "feedback-down", onclick: rate(false) },
        icon("down")
      ),
      status,
    ]);
    return wrap;
  }

  function renderCards(data) {
    const cards = [];
    if (data.handoff && typeof data.handoff === "object") {
      const ticket = data.handoff.ticket_id;
      // agent_available false: nobody can answer now; the reply's text gives the contact channels.
      const waiting = data.handoff.agent_available !== false;
      cards.push(
        el(
          "div",
          { class: "sb-card sb-handoff", "data-testid": "handoff-notice", "data-available": waiting ? "true" : "false" },
          el("p", { class: "sb-card-title" }, icon("person"), waiting ? "Connecting you with a support agent" : "No agent available right now"),
          el("p", {
            text: waiting
              ? "An agent will reply right here. You can close this window; your conversation is kept."
              : "Your request is saved for our team. You can keep asking me questions here.",
          }),
          ticket !== undefined && ticket !== null ? el("p", { class: "sb-muted", text: `Ticket ${ticket}` }) : null
        )
      );
    }
    const checks = CHECKS.filter((name) => data[name] && typeof data[name] === "object");
    if (data.order_id && (checks.length || (data.order && typeof data.order === "object"))) {
      cards.push(renderOrderCard(data, checks));
    }
    if (!cards.length) return null;
    return el("div", { class: "sb-cards" }, cards);
  }

  function renderOrderCard(data, checks) {
    const status = data.status || (data.order && data.order.status);
    const card = el(
      "section",
      { class: "sb-card sb-order", "data-testid": "order-card", "aria-label": `Order ${data.order_id}` },
      el(
        "div",
        { class: "sb-order-head" },
        el("p", { class: "sb-card-title" }, "Order ", el("span", { class: "sb-order-id", "data-testid": "order-id", text: String(data.order_id) })),
        status ? el("span", { class: "sb-status", "data-testid": "order-status", text: humanize(status) }) : null
      )
    );
    for (const name of checks) card.appendChild(renderCheck(name, data[name]));
    if (data.order && typeof data.order === "object") card.appendChild(renderOrderSummary(data.order));
    return card;
  }

  function renderCheck(name, decision) {
    const allowed = decision.allowed === true;
    const dates = [];
    const past = (iso) => new Date(iso).getTime() < Date.now();
    if (decision.opens_at) dates.push([past(decision.opens_at) ? "Opened" : "Opens", decision.opens_at]);
    if (decision.closes_at) dates.push([past(decision.closes_at) ? "Closed" : "Closes", decision.closes_at]);
    for (const [key, value] of Object.entries(decision)) {
      if (key !== "opens_at" && key !== "closes_at" && key.endsWith("_at") && typeof value === "string") {
        dates.push([humanize(key.slice(0, -3)), value]);
      }
    }
    return el(
      "div",
      { class: "sb-check", "data-check": name, "data-testid": "order-check" },
      el(
        "div",
        { class: "sb-check-head" },
        el("span", { class: "sb-check-name", text: CHECK_LABELS[name] }),
        el("span", {
          class: "sb-badge " + (allowed ? "sb-badge-yes" : "sb-badge-no"),
          "data-testid": "verdict",
          "data-allowed": String(allowed),
          text: allowed ? "✓ Allowed" : "✕ Not allowed",
        })
      ),
      decision.mode ? el("p", { class: "sb-mode", text: `How: ${humanize(decision.mode)}` }) : null,
      dates.length
        ? el(
            "dl",
            { class: "sb-dates", "data-testid": "decision-dates" },
            dates.map(([label, iso]) => [el("dt", { text: label }), el("dd", {}, timeNode(iso))])
          )
        : null,
      decision.reason ? el("p", { class: "sb-reason", "data-testid": "decision-reason", text: decision.reason }) : null,
      decision.article_id
        ? el("a", { class: "sb-policy", href: helpUrl(decision.article_id), target: "_blank", rel: "noopener", text: "Read the policy" })
        : null
    );
  }

  function renderOrderSummary(order) {
    const rows = [];
    if (order.amount !== undefined && order.amount !== null) rows.push(["Total", money(order.amount, order.currency)]);
    if (order.logistics) rows.push(["Shipping", humanize(order.logistics)]);
    for (const key of ["created_at", "paid_at", "shipped_at", "delivery_deadline", "received_confirmed_at"]) {
      if (order[key]) rows.push([humanize(key.replace(/_at$/, "")), timeNode(order[key])]);
    }
    const items = Array.isArray(order.items) ? order.items : [];
    return el(
      "div",
      { class: "sb-order-summary", "data-testid": "order-summary" },
      items.length
        ? el(
            "ul",
            { class: "sb-items" },
            items.map((item) => {
              const name = item.title || item.name || item.sku || "Item";
              const qty = item.quantity || item.qty;
              return el("li", { text: qty && qty !== 1 ? `${name} × ${qty}` : String(name) });
            })
          )
        : null,
      rows.length ? el("dl", { class: "sb-dates" }, rows.map(([label, value]) => [el("dt", { text: label }), el("dd", {}, value)])) : null
    );
  }

  function addToLog(message) {
    const welcome = log.querySelector(".sb-welcome");
    if (welcome) welcome.remove();
    const node = renderMessage(message);
    nodes.set(message.key, node);
    log.appendChild(node);
    scrollToEnd();
  }

  function refreshMessage(message) {
    const old = nodes.get(message.key);
    if (!old) return addToLog(message);
    const node = renderMessage(message);
    nodes.set(message.key, node);
    old.replaceWith(node);
  }

  function renderAll() {
    log.replaceChildren();
    nodes.clear();
    if (!state.messages.length) log.appendChild(renderWelcome());
    for (const message of state.messages) {
      if (!message.key) message.key = localKey();
      const node = renderMessage(message);
      nodes.set(message.key, node);
      log.appendChild(node);
    }
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
    requestAnimationFrame(() => {
      log.scrollTop = log.scrollHeight;
    });
  }

  // ---------------------------------------------------------------- talking to the gateway

  function api(path) {
    return API_BASE + path;
  }

  /** Polling and ratings prove who the buyer is the same way /v1/chat does, so a signed-in
   * buyer's conversation can't be read with its session id alone. Headers, never the URL: URLs
   * end up in logs and Referer headers. */
  function identityHeaders() {
    if (CUSTOMER_TOKEN) return { "X-Customer-Token": CUSTOMER_TOKEN };
    return CUSTOMER_ID && CUSTOMER_HASH ? { "X-Customer-Id": CUSTOMER_ID, "X-Customer-Hash": CUSTOMER_HASH } : {};
  }

  async function request(path, options) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    const headers = Object.assign(identityHeaders(), (options && options.headers) || {});
    try {
      return await fetch(api(path), Object.assign({ signal: controller.signal, credentials: "omit" }, options, { headers }));
    } finally {
      clearTimeout(timer);
    }
  }

  function jsonPost(path, body) {
    return request(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  }

  async function errorMessage(response) {
    if (response.status === 429) return MESSAGES.tooQuick;
    try {
      const body = await response.json();
      const detail = body && (body.detail ?? body.error ?? body.message);
      if (typeof detail === "string" && detail) return detail;
      if (Array.isArray(detail) && detail.length && detail[0].msg) return String(detail[0].msg);
    } catch (_) {
      // not JSON: fall through to the generic message
    }
    return response.status >= 500 ? MESSAGES.server : `Your message could not be sent (error ${response.status}).`;
  }

  function knownId(id) {
    const wanted = String(id);
    return state.messages.some(
      (m) => (m.id !== null && m.id !== undefined && String(m.id) === wanted) || (m.mergedIds || []).includes(wanted)
    );
  }

  /**
   * Rasa's REST channel sends an utterance's text and its custom payload as two messages; a
   * payload-only message (no text, no buttons) is shown on the bot message just before it.
   */
  function mergeIntoPrevious(previous, raw) {
    if (!previous || previous.role === "user" || raw.text || (Array.isArray(raw.buttons) && raw.buttons.length)) return false;
    const data = raw.data && typeof raw.data === "object" ? raw.data : {};
    previous.data = Object.assign({}, previous.data || {}, data);
    if (raw.source && typeof raw.source === "object") previous.source = raw.source;
    if (data.handoff && data.handoff.agent_available !== false) state.handoff = true;
    if (raw.id !== undefined && raw.id !== null) previous.mergedIds = (previous.mergedIds || []).concat(String(raw.id));
    refreshMessage(previous);
    return true;
  }

  /** Adds server messages (chat replies or polled agent replies), skipping any already shown. */
  function receive(messages, defaultRole) {
    let added = 0;
    let previous = null;
    for (const raw of messages || []) {
      if (!raw || typeof raw !== "object") continue;
      if (raw.id !== undefined && raw.id !== null) {
        state.lastId = raw.id;
        if (knownId(raw.id)) continue;
      }
      const role = raw.role === "agent" ? "agent" : raw.role === "customer" || raw.role === "user" ? null : defaultRole;
      if (!role) continue;
      if (mergeIntoPrevious(previous, raw)) continue;
      const message = {
        key: localKey(),
        id: raw.id ?? null,
        role,
        text: typeof raw.text === "string" ? raw.text : "",
        buttons: Array.isArray(raw.buttons) ? raw.buttons : null,
        data: raw.data && typeof raw.data === "object" ? raw.data : null,
        source: raw.source && typeof raw.source === "object" ? raw.source : null,
      };
      if (message.data && message.data.handoff && message.data.handoff.agent_available !== false) state.handoff = true;
      state.messages.push(message);
      addToLog(message);
      previous = message;
      added += 1;
    }
    return added;
  }

  let busy = false;

  async function deliver(message) {
    busy = true;
    message.status = "sending";
    hideError();
    typing.hidden = false;
    sendButton.disabled = true;
    scrollToEnd();
    const body = { session_id: state.sessionId, message: message.payload || message.text };
    if (CUSTOMER_TOKEN) body.customer_token = CUSTOMER_TOKEN;
    else if (CUSTOMER_ID) {
      body.customer_id = CUSTOMER_ID;
      if (CUSTOMER_HASH) body.customer_hash = CUSTOMER_HASH;
    }
    try {
      let payload;
      try {
        const response = await jsonPost("/v1/chat", body);
        if (!response.ok) {
          fail(message, await errorMessage(response));
          return;
        }
        payload = await response.json();
      } catch (_) {
        fail(message, MESSAGES.network);
        return;
      }
      message.status = "sent";
      refreshMessage(message);
      receive(payload.messages, "bot");
    } finally {
      busy = false;
      typing.hidden = true;
      sendButton.disabled = false;
      saveState();
    }
  }

  function fail(message, text) {
    message.status = "failed";
    refreshMessage(message);
    showError(text, () => {
      if (!busy) deliver(message);
    });
  }

  function sendText(payload, shown) {
    const text = String(payload || "").trim();
    if (!text || busy) return false;
    const message = { key: localKey(), id: null, role: "user", text: (shown || text).slice(0, MAX_MESSAGE_CHARS), status: "sending" };
    if (shown && shown !== text) message.payload = text;
    // Quick replies belong to the turn they were offered in; a new message retires them.
    for (const earlier of state.messages) {
      if (Array.isArray(earlier.buttons) && earlier.buttons.length && !earlier.buttonsUsed) {
        earlier.buttonsUsed = true;
        const group = nodes.get(earlier.key)?.querySelector('[data-testid="quick-replies"]');
        if (group) group.remove();
      }
    }
    state.messages.push(message);
    addToLog(message);
    saveState();
    deliver(message);
    return true;
  }

  function onSubmit(event) {
    event.preventDefault();
    if (sendText(input.value)) {
      input.value = "";
      autoGrow();
    }
    input.focus();
  }

  async function postFeedback(messageId, helpful) {
    try {
      const response = await jsonPost("/v1/chat/feedback", { session_id: state.sessionId, message_id: messageId, helpful });
      return response.ok;
    } catch (_) {
      return false;
    }
  }

  let polling = false;

  async function poll() {
    if (polling || busy) return;
    polling = true;
    try {
      const query = state.lastId !== null && state.lastId !== undefined ? `?after=${encodeURIComponent(state.lastId)}` : "";
      const response = await request(`/v1/chat/${encodeURIComponent(state.sessionId)}/messages${query}`, { method: "GET" });
      if (!response.ok) return;
      const payload = await response.json();
      const added = receive(payload.messages, "agent");
      if (added && !state.open) {
        state.unread += added;
        updateLauncher();
      }
      if (added) saveState();
    } catch (_) {
      // Polling is best effort; the next tick tries again.
    } finally {
      polling = false;
    }
  }

  let pollTimer = null;

  function schedulePoll() {
    clearTimeout(pollTimer);
    // While closed, only a conversation waiting for an agent keeps listening (to show an unread badge).
    const delay = state.open ? POLL_OPEN_MS : state.handoff ? POLL_CLOSED_MS : null;
    if (delay === null) return;
    pollTimer = setTimeout(async () => {
      await poll();
      schedulePoll();
    }, delay);
  }

  // ---------------------------------------------------------------- open / close, errors, input

  function updateLauncher() {
    launcher.setAttribute("aria-expanded", String(state.open));
    launcher.setAttribute("aria-label", state.open ? "Close support chat" : "Open support chat");
    launcher.classList.toggle("sb-open", state.open);
    unreadBadge.hidden = state.open || !state.unread;
    unreadBadge.textContent = state.unread ? String(Math.min(state.unread, 9)) : "";
    if (state.unread && !state.open) launcher.setAttribute("aria-label", `Open support chat, ${state.unread} new`);
  }

  function setOpen(open, options) {
    state.open = open;
    panel.hidden = !open;
    host.classList.toggle("open", open);
    if (open) state.unread = 0;
    updateLauncher();
    saveState();
    if (open) {
      scrollToEnd();
      if (!(options && options.restoring)) input.focus();
      poll();
    } else if (!(options && options.restoring)) {
      launcher.focus();
    }
    schedulePoll();
  }

  function showError(text, retry) {
    errorText.textContent = text;
    retryButton.hidden = !retry;
    retryButton.onclick = retry || null;
    errorBar.hidden = false;
  }

  function hideError() {
    errorBar.hidden = true;
    retryButton.onclick = null;
  }

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
  }

  input.addEventListener("input", autoGrow);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // Another tab with the same customer wrote the transcript: follow it.
  function onStorage(event) {
    if (event.key !== STORAGE_KEY || !event.newValue) return;
    const next = loadState();
    Object.assign(state, { messages: next.messages, lastId: next.lastId, handoff: next.handoff });
    renderAll();
  }
  window.addEventListener("storage", onStorage);

  function mount() {
    document.body.appendChild(host);
    renderAll();
    setOpen(state.open, { restoring: true });
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });

  window.SupportbotWidget = {
    version: 1,
    customerId: CUSTOMER_ID,
    get sessionId() {
      return state.sessionId;
    },
    open: () => setOpen(true),
    close: () => setOpen(false),
    /** Opens the panel and sends `text` as if the buyer typed it (the shop's "Ask the assistant" buttons). */
    ask(text) {
      if (!state.open) setOpen(true);
      return sendText(text);
    },
    /** Removes the widget from the page (the transcript stays in storage). */
    destroy() {
      clearTimeout(pollTimer);
      window.removeEventListener("storage", onStorage);
      host.remove();
      if (window.SupportbotWidget === this) delete window.SupportbotWidget;
    },
  };
})();
