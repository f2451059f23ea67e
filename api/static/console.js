/*
 * What every agent-console page shares: the signed-in session, API calls with the CSRF token,
 * the navigation bar, and small DOM helpers. Pages load it before their own script.
 *
 * Sign-in uses an HttpOnly session cookie the page never sees; the CSRF token from
 * GET /v1/agent/session is sent as X-CSRF-Token on every call that changes something.
 * A 401 anywhere sends the agent to the sign-in form (/agent), which brings them back afterwards.
 */
(function () {
  "use strict";

  class Unauthorized extends Error {}

  let csrf = null;
  let session = null;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
      else if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, String(value));
    }
    for (const child of children.flat(Infinity)) if (child) node.append(child);
    return node;
  }

  async function api(path, options) {
    const method = ((options && options.method) || "GET").toUpperCase();
    const headers = Object.assign({ Accept: "application/json" }, (options && options.headers) || {});
    if (method !== "GET" && method !== "HEAD" && csrf) headers["X-CSRF-Token"] = csrf;
    const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options, { method, headers }));
    if (response.status === 401) throw new Unauthorized();
    if (!response.ok) {
      let detail = `The server answered ${response.status}.`;
      try {
        const body = await response.json();
        if (body && typeof body.detail === "string") detail = body.detail;
      } catch (_) {
        // keep the status text
      }
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return response.status === 204 ? null : response.json();
  }

  function send(method, path, body) {
    return api(path, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** The signed-in session, or null (signed out, expired). Remembers the CSRF token. */
  async function loadSession() {
    try {
      session = await api("/v1/agent/session");
      csrf = session.csrf_token;
      return session;
    } catch (error) {
      if (error instanceof Unauthorized) {
        session = csrf = null;
        return null;
      }
      throw error;
    }
  }

  async function signIn(name, password) {
    session = await send("POST", "/v1/agent/session", { name, password });
    csrf = session.csrf_token;
    return session;
  }

  async function signOut() {
    try {
      await send("DELETE", "/v1/agent/session");
    } finally {
      session = csrf = null;
    }
  }

  function toSignIn(message) {
    const next = location.pathname + location.search;
    const query = new URLSearchParams({ next });
    if (message) query.set("reason", message);
    location.assign(`/agent?${query}`);
  }

  /** For pages other than /agent: the session or a trip to the sign-in form. */
  async function requireSession() {
    const found = await loadSession();
    if (!found) {
      toSignIn("signed-out");
      return null;
    }
    renderNav(found);
    return found;
  }

  const PAGES = [
    ["/agent", "Conversations", "nav-conversations"],
    ["/agent/review", "Review", "nav-review"],
    ["/agent/reports", "Reports", "nav-reports"],
    ["/agent/knowledge", "Knowledge", "nav-knowledge"],
  ];

  function renderNav(current) {
    const nav = document.getElementById("console-nav");
    if (nav) {
      nav.replaceChildren(
        ...PAGES.map(([href, label, testid]) =>
          el("a", { href, class: location.pathname === href ? "nav-link current" : "nav-link", "data-testid": testid, "aria-current": location.pathname === href ? "page" : null, text: label })
        )
      );
    }
    const who = document.getElementById("signed-in-agent");
    if (who && current) who.textContent = `${current.agent} · ${current.role}`;
    const out = document.getElementById("sign-out");
    if (out && !out.dataset.bound) {
      out.dataset.bound = "1";
      out.addEventListener("click", async () => {
        try {
          await signOut();
        } finally {
          location.assign("/agent?reason=signed-out");
        }
      });
    }
  }

  function handle(error, where) {
    if (error instanceof Unauthorized) {
      toSignIn("expired");
      return;
    }
    if (where) where.textContent = error instanceof TypeError ? "The support server could not be reached." : error.message;
  }

  const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  function formatDate(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso || "") : dateTime.format(date);
  }

  function percent(value) {
    return value === null || value === undefined ? "–" : `${Math.round(value * 1000) / 10}%`;
  }

  function humanize(value) {
    const text = String(value || "").replace(/_/g, " ").trim();
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  }

  window.SupportConsole = {
    Unauthorized,
    el,
    svg,
    api,
    send,
    loadSession,
    signIn,
    signOut,
    requireSession,
    renderNav,
    handle,
    formatDate,
    percent,
    humanize,
    get session() {
      return session;
    },
  };
})();
