/*
 * Conversation review: conversations where the bot fell back, was rated not helpful or handed off;
 * for each buyer message an agent can record the intent it should have had, the article that
 * answers it, or "out of scope" (PUT /v1/review/messages/{id}/label).
 */
(function () {
  "use strict";

  const sc = window.SupportConsole;
  const { el } = sc;
  const $ = (id) => document.getElementById(id);
  const REASONS = { fallback: "No answer", negative: "Not helpful", handoff: "Handed off" };
  let options = { intents: [], articles: [] };
  let selected = null;

  function filters() {
    return { reason: $("reason").value, since: $("since").value, until: $("until").value };
  }

  function query(f) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(f)) if (value) params.set(key, value);
    return params.toString();
  }

  async function loadList() {
    $("filter-error").textContent = "";
    try {
      const data = await sc.api(`/v1/review/conversations?${query(filters())}`);
      renderList(data.conversations);
      $("status").textContent = `${data.conversations.length} conversations to review`;
    } catch (error) {
      sc.handle(error, $("filter-error"));
    }
  }

  function renderList(conversations) {
    $("list").replaceChildren(
      ...(conversations.length
        ? conversations.map((c) =>
            el(
              "li",
              {},
              el(
                "button",
                {
                  type: "button",
                  class: c.session_id === selected ? "list-item current" : "list-item",
                  "data-testid": "review-item",
                  "data-session-id": c.session_id,
                  onclick: () => select(c.session_id),
                },
                el("span", { class: "reasons" }, c.reasons.map((r) => el("span", { class: "reason-badge", "data-reason": r, text: REASONS[r] || r }))),
                el("strong", { text: c.first_message || "(no buyer message)" }),
                el("span", { class: "muted", text: `${sc.formatDate(c.started_at)} · ${c.channel === "whatsapp" ? "WhatsApp" : "Web chat"} · ${c.messages} messages${c.labelled ? ` · ${c.labelled} labelled` : ""}` })
              )
            )
          )
        : [el("li", { class: "muted", text: "Nothing to review in this range." })])
    );
  }

  async function select(sessionId) {
    selected = sessionId;
    for (const item of document.querySelectorAll(".list-item")) item.classList.toggle("current", item.dataset.sessionId === sessionId);
    try {
      renderDetail(await sc.api(`/v1/review/conversations/${encodeURIComponent(sessionId)}`));
    } catch (error) {
      sc.handle(error, $("status"));
    }
  }

  function choice(name, testid, choices, value, placeholder) {
    return el(
      "select",
      { name, "data-testid": testid, "aria-label": placeholder },
      el("option", { value: "", text: placeholder }),
      choices.map(([v, label]) => el("option", { value: v, text: label, selected: v === value ? true : null }))
    );
  }

  function labelText(label) {
    if (!label) return "";
    if (label.intent === "out_of_scope") return `Out of scope (by ${label.actor})`;
    const parts = [];
    if (label.intent) parts.push(`intent ${sc.humanize(label.intent)}`);
    if (label.article_id) {
      const article = options.articles.find((a) => a.id === label.article_id);
      parts.push(`article “${article ? article.title : label.article_id}”`);
    }
    return `Labelled: ${parts.join(", ")} (by ${label.actor}${label.exported ? ", exported" : ""})`;
  }

  function labelForm(message) {
    const status = el("p", { class: "label-status", "data-testid": "label-status", text: labelText(message.label) });
    const intent = choice("intent", "label-intent", options.intents.map((i) => [i, sc.humanize(i)]), message.label && message.label.intent !== "out_of_scope" ? message.label.intent : "", "Intent it should have had…");
    const article = choice("article", "label-article", options.articles.map((a) => [a.id, a.title]), message.label ? message.label.article_id : "", "Article that answers it…");

    async function save(body) {
      status.textContent = "Saving…";
      try {
        message.label = await sc.send("PUT", `/v1/review/messages/${message.id}/label`, body);
        status.textContent = labelText(message.label);
      } catch (error) {
        sc.handle(error, status);
      }
    }

    return el(
      "form",
      {
        class: "label-form",
        "data-testid": "label-form",
        onsubmit: (event) => {
          event.preventDefault();
          if (!intent.value && !article.value) {
            status.textContent = "Choose an intent or an article first.";
            return;
          }
          save({ intent: intent.value || null, article_id: article.value || null });
        },
      },
      intent,
      article,
      el("button", { type: "submit", class: "small", "data-testid": "label-save", text: "Save label" }),
      el("button", { type: "button", class: "small", "data-testid": "label-out-of-scope", text: "Out of scope", onclick: () => save({ out_of_scope: true }) }),
      el("button", {
        type: "button",
        class: "small",
        "data-testid": "label-clear",
        text: "Clear",
        onclick: async () => {
          try {
            await sc.send("DELETE", `/v1/review/messages/${message.id}/label`);
            message.label = null;
            intent.value = article.value = "";
            status.textContent = "Label removed.";
          } catch (error) {
            sc.handle(error, status);
          }
        },
      }),
      status
    );
  }

  function renderDetail(detail) {
    const roles = { customer: "Buyer", bot: "Bot", agent: "Agent" };
    $("detail").replaceChildren(
      el("h3", { text: `Conversation ${detail.session_id}` }),
      el("p", { class: "reasons" }, detail.reasons.map((r) => el("span", { class: "reason-badge", text: REASONS[r] || r }))),
      ...detail.messages.map((m) => {
        const notes = [];
        if (m.intent) notes.push(`understood as ${sc.humanize(m.intent)}`);
        if (m.fallback) notes.push("the bot could not answer this");
        if (m.source_title) notes.push(`answered from “${m.source_title}”`);
        if (m.helpful === false) notes.push("rated not helpful");
        if (m.helpful === true) notes.push("rated helpful");
        return el(
          "article",
          { class: m.fallback ? "review-message missed" : "review-message", "data-testid": "review-message", "data-role": m.role, "data-message-id": String(m.id), "data-fallback": m.fallback ? "true" : "false" },
          el("span", { class: "who", text: `${roles[m.role] || m.role} · ${sc.formatDate(m.created_at)}${notes.length ? " · " + notes.join(" · ") : ""}` }),
          el("span", { class: "line-text", text: m.text }),
          m.role === "customer" ? labelForm(m) : null
        );
      })
    );
  }

  async function start() {
    const session = await sc.requireSession();
    if (!session) return;
    const params = new URLSearchParams(location.search);
    $("reason").value = params.get("reason") || "";
    $("since").value = params.get("since") || "";
    $("until").value = params.get("until") || "";
    $("review").hidden = false;
    options = await sc.api("/v1/review/options");
    $("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      history.replaceState(null, "", `?${query(filters())}`);
      loadList();
    });
    await loadList();
    const fromUrl = params.get("session");
    if (fromUrl) await select(fromUrl);
  }

  start().catch((error) => sc.handle(error, $("status")));
})();
