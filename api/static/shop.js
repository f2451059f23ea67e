/*
 * The demo shop's side of the widget embed.
 *
 * A real shop renders the widget tag on its server with the signed-in buyer's id and
 * customer_hash (HMAC-SHA256 of the id under SUPPORTBOT_WIDGET_SECRET; see docs/widget.md).
 * This static demo page instead asks the development-only GET /demo/identity for a demo buyer's
 * hash, remembers the choice in localStorage and inserts the same single tag:
 *   <script src="/widget.js" data-customer-id="..." data-customer-hash="..." async></script>
 * The help-article page loads this file too, so the chat follows the buyer across pages.
 */
(function () {
  "use strict";

  const IDENTITY_KEY = "meridian-demo:identity";

  // The demo buyers and their orders, from the store the gateway serves (seeded by
  // `supportbot orders seed`; see docs/demo-data.md). Filled by loadCustomers().
  let DEMO_CUSTOMERS = [];

  /** GET /demo/customers (development only) -> [{id, name, orders: [{id, status, summary, question}]}]. */
  async function loadCustomers() {
    try {
      const response = await fetch("/demo/customers", { headers: { Accept: "application/json" } });
      if (!response.ok) return false;
      const body = await response.json();
      DEMO_CUSTOMERS = (Array.isArray(body.customers) ? body.customers : []).map((c) => ({
        id: String(c.customer_id),
        name: String(c.name || c.customer_id),
        orders: (Array.isArray(c.orders) ? c.orders : []).map((o) => ({
          id: String(o.order_id),
          status: o.status,
          summary: o.summary || "",
          question: o.question || `Can you help me with order ${o.order_id}?`,
        })),
      }));
      return true;
    } catch (_) {
      return false;
    }
  }

  function savedIdentity() {
    try {
      const value = JSON.parse(localStorage.getItem(IDENTITY_KEY) || "null");
      if (value && typeof value.customer_id === "string" && typeof value.customer_hash === "string") return value;
    } catch (_) {
      // unreadable: treat as anonymous
    }
    return null;
  }

  function saveIdentity(identity) {
    if (identity) localStorage.setItem(IDENTITY_KEY, JSON.stringify(identity));
    else localStorage.removeItem(IDENTITY_KEY);
  }

  /** (Re)embeds the widget: exactly one tag, with the identity when a buyer is signed in. */
  function mountWidget(identity) {
    const previous = document.getElementById("supportbot-embed");
    if (previous) previous.remove();
    if (window.SupportbotWidget) window.SupportbotWidget.destroy();
    const tag = document.createElement("script");
    tag.id = "supportbot-embed";
    tag.src = "/widget.js";
    tag.async = true;
    if (identity) {
      tag.dataset.customerId = identity.customer_id;
      tag.dataset.customerHash = identity.customer_hash;
    }
    document.body.appendChild(tag);
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "class") node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function humanize(value) {
    const text = String(value || "").replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  /** Asks the assistant about an order once the widget has loaded. */
  function ask(text) {
    const tryAsk = (attempt) => {
      if (window.SupportbotWidget && typeof window.SupportbotWidget.ask === "function") window.SupportbotWidget.ask(text);
      else if (attempt < 40) setTimeout(() => tryAsk(attempt + 1), 100);
    };
    tryAsk(0);
  }

  function renderOrders(identity) {
    const area = document.getElementById("orders-area");
    if (!area) return;
    const customer = identity && DEMO_CUSTOMERS.find((c) => c.id === identity.customer_id);
    if (!customer) {
      area.replaceChildren(
        el("p", { class: "orders-empty" }, identity ? "No orders on this account yet." : "Choose a demo customer at the top of the page to see their orders and ask the assistant about them.")
      );
      return;
    }
    area.replaceChildren(
      ...customer.orders.map((order) =>
        el(
          "article",
          { class: "order-row", "data-testid": "order-row" },
          el(
            "div",
            {},
            el("h3", {}, `Order ${order.id}`, el("span", { class: "order-status" }, humanize(order.status))),
            el("p", {}, order.summary)
          ),
          el("button", { type: "button", class: "ask", onclick: () => ask(order.question) }, "Ask the assistant")
        )
      )
    );
  }

  function setHint(text, isError) {
    const hint = document.getElementById("signin-hint");
    if (!hint) return;
    hint.textContent = text;
    hint.classList.toggle("error", Boolean(isError));
  }

  async function signIn(customerId) {
    if (!customerId) {
      saveIdentity(null);
      setHint("Browsing anonymously: the assistant can answer questions but not see orders.");
      renderOrders(null);
      mountWidget(null);
      return;
    }
    setHint("Signing in…");
    let response;
    try {
      response = await fetch(`/demo/identity?customer_id=${encodeURIComponent(customerId)}`);
    } catch (_) {
      setHint("The shop could not reach the support server.", true);
      return;
    }
    if (!response.ok) {
      let detail = `Sign-in failed (error ${response.status}).`;
      try {
        const body = await response.json();
        if (body && typeof body.detail === "string") detail = body.detail;
      } catch (_) {
        // keep the status message
      }
      setHint(detail, true);
      return;
    }
    const identity = await response.json();
    saveIdentity({ customer_id: identity.customer_id, customer_hash: identity.customer_hash });
    const customer = DEMO_CUSTOMERS.find((c) => c.id === identity.customer_id);
    setHint(`Signed in as ${customer ? customer.name : identity.customer_id}.`);
    renderOrders(identity);
    mountWidget(identity);
  }

  async function start() {
    const identity = savedIdentity();
    // The widget does not need the demo data: mount it at once, fill the shop in when it arrives.
    mountWidget(identity);
    const loaded = await loadCustomers();
    const select = document.getElementById("demo-customer");
    if (select) {
      for (const customer of DEMO_CUSTOMERS) {
        select.append(el("option", { value: customer.id }, `${customer.name} (${customer.id})`));
      }
      select.value = identity ? identity.customer_id : "";
      select.addEventListener("change", () => signIn(select.value));
      const customer = identity && DEMO_CUSTOMERS.find((c) => c.id === identity.customer_id);
      if (!loaded) setHint("The demo customers could not be loaded from the support server.", true);
      else setHint(identity ? `Signed in as ${customer ? customer.name : identity.customer_id}.` : "Browsing anonymously.");
    }
    renderOrders(identity);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
})();
