/*
 * Knowledge upkeep: read every article as served; admins edit or add one, revert an edit, or
 * import a changed help-center page. A change is live at once; the search index is rebuilt in
 * the background and swapped in, and the bar shows when it is (GET /v1/knowledge/index).
 */
(function () {
  "use strict";

  const sc = window.SupportConsole;
  const { el } = sc;
  const $ = (id) => document.getElementById(id);
  const MARKUP_HELP =
    "## Heading · blank line between blocks · '1. step' · '- item' · '| key | cell' table rows (a line right above them is the caption)";
  let articles = [];
  let admin = false;
  let pollTimer = null;

  async function loadList() {
    const data = await sc.api("/v1/knowledge/articles");
    articles = data.articles;
    renderList();
  }

  function renderList() {
    const needle = $("find").value.trim().toLowerCase();
    const shown = articles.filter((a) => !needle || a.title.toLowerCase().includes(needle) || a.id.includes(needle));
    $("articles").replaceChildren(
      ...shown.map((a) =>
        el(
          "li",
          {},
          el(
            "button",
            { type: "button", class: "list-item", "data-testid": "article-item", "data-article-id": a.id, onclick: () => open(a.id) },
            el("strong", { text: a.title }),
            el("span", { class: "muted", text: `${a.category}${a.platform ? " · " + a.platform : ""}${a.edited ? ` · edited by ${a.edited.actor}` : ""}` })
          )
        )
      )
    );
  }

  function field(label, control) {
    return el("label", {}, label, control);
  }

  function editor(doc, isNew) {
    const title = el("input", { type: "text", value: doc.title || "", required: true, "data-testid": "edit-title", readonly: admin ? null : true });
    const category = el("input", { type: "text", value: doc.category || "", required: true, "data-testid": "edit-category", readonly: admin ? null : true });
    const platform = el("input", { type: "text", value: doc.platform || "", "data-testid": "edit-platform", readonly: admin ? null : true });
    const id = isNew ? el("input", { type: "text", placeholder: "made from the title", pattern: "[a-z0-9][a-z0-9-]*", "data-testid": "edit-id" }) : null;
    const aliases = el("textarea", { "data-testid": "edit-aliases", readonly: admin ? null : true });
    aliases.value = (doc.aliases || []).join("\n");
    const text = el("textarea", { class: "tall", "data-testid": "edit-text", readonly: admin ? null : true });
    text.value = doc.text || "";
    const status = el("p", { class: "form-error", role: "status", "data-testid": "edit-status" });

    async function save(event) {
      event.preventDefault();
      const body = {
        title: title.value,
        category: category.value,
        platform: platform.value.trim() || null,
        aliases: aliases.value.split("\n").map((a) => a.trim()).filter(Boolean),
        text: text.value,
      };
      if (isNew && id.value.trim()) body.id = id.value.trim();
      status.textContent = "Saving…";
      try {
        const saved = isNew
          ? await sc.send("POST", "/v1/knowledge/articles", body)
          : await sc.send("PUT", `/v1/knowledge/articles/${encodeURIComponent(doc.id)}`, body);
        const message = "Saved. Buyers get it as soon as the search index is rebuilt.";
        status.textContent = message;
        watchIndex();
        await open(saved.article.id, message);
        await loadList();
      } catch (error) {
        sc.handle(error, status);
      }
    }

    const actions = admin
      ? el(
          "div",
          { class: "form-actions" },
          el("button", { type: "submit", class: "primary", "data-testid": "edit-save", text: isNew ? "Add article" : "Save" }),
          !isNew && doc.edited
            ? el("button", {
                type: "button",
                class: "secondary",
                "data-testid": "edit-revert",
                text: doc.in_help_center ? "Back to the help center's version" : "Remove this article",
                onclick: async () => {
                  try {
                    await sc.send("POST", `/v1/knowledge/articles/${encodeURIComponent(doc.id)}/revert`);
                    await loadList();
                    watchIndex();
                    if (doc.in_help_center) open(doc.id, "Reverted.");
                    else $("editor").replaceChildren(el("p", { class: "muted", text: "Removed." }));
                  } catch (error) {
                    sc.handle(error, status);
                  }
                },
              })
            : null
        )
      : null;

    return el(
      "form",
      { class: "form", "data-testid": "article-form", onsubmit: save },
      el("h3", { text: isNew ? "New article" : doc.title }),
      doc.edited ? el("p", { class: "muted", "data-testid": "edited-by", text: `Last changed by ${doc.edited.actor}, ${sc.formatDate(doc.edited.created_at)} (${doc.edited.origin})` }) : null,
      id ? field("Id", id) : null,
      field("Title (the question as buyers ask it)", title),
      field("Category", category),
      field("Platform (whose help center says this)", platform),
      field("Other wordings of the question (one per line)", aliases),
      field("Text", text),
      el("p", { class: "muted", text: MARKUP_HELP }),
      actions,
      status
    );
  }

  async function open(articleId, message) {
    try {
      const doc = await sc.api(`/v1/knowledge/articles/${encodeURIComponent(articleId)}`);
      $("editor").replaceChildren(editor(doc, false));
      if (message) $("editor").querySelector('[data-testid="edit-status"]').textContent = message;
    } catch (error) {
      sc.handle(error, $("index-status"));
    }
  }

  async function importForm() {
    const { pages } = await sc.api("/v1/knowledge/pages");
    const page = el(
      "select",
      { "data-testid": "import-page-select" },
      pages.map((p) => el("option", { value: p.page, text: `${p.title}${p.platform ? " (" + p.platform + ")" : ""}` }))
    );
    const file = el("input", { type: "file", accept: ".txt,text/plain", "data-testid": "import-file" });
    const text = el("textarea", { class: "tall", "data-testid": "import-text", placeholder: "Paste the page's text, or choose a file" });
    const status = el("p", { class: "form-error", role: "status", "data-testid": "import-status" });
    file.addEventListener("change", async () => {
      if (file.files && file.files[0]) text.value = await file.files[0].text();
    });
    $("editor").replaceChildren(
      el(
        "form",
        {
          class: "form",
          onsubmit: async (event) => {
            event.preventDefault();
            status.textContent = "Importing…";
            try {
              const result = await sc.send("POST", "/v1/knowledge/import", { page: page.value, text: text.value });
              const parts = [`${result.added.length} added`, `${result.changed.length} changed`, `${result.unchanged} unchanged`];
              if (result.missing.length) parts.push(`${result.missing.length} no longer on the page (kept): ${result.missing.join(", ")}`);
              status.textContent = `Imported: ${parts.join(", ")}.`;
              await loadList();
              if (result.reindexing) watchIndex();
            } catch (error) {
              sc.handle(error, status);
            }
          },
        },
        el("h3", { text: "Import a changed help-center page" }),
        el("p", { class: "muted", text: "The page is read with its ingest rules; new and changed articles are served at once (recorded as your edits)." }),
        field("Page", page),
        field("Text file", file),
        field("Text", text),
        el("div", { class: "form-actions" }, el("button", { type: "submit", class: "primary", "data-testid": "import-submit", text: "Import" })),
        status
      )
    );
  }

  async function watchIndex() {
    clearTimeout(pollTimer);
    try {
      const status = await sc.api("/v1/knowledge/index");
      const current = status.serving === status.corpus_version && !status.rebuilding;
      $("index-status").textContent = status.last_error
        ? `Search index not rebuilt: ${status.last_error}`
        : current
          ? "Search index is up to date"
          : "Rebuilding the search index…";
      $("index-status").dataset.state = current ? "current" : "rebuilding";
      if (!current && !status.last_error) pollTimer = setTimeout(watchIndex, 1500);
    } catch (error) {
      sc.handle(error, $("index-status"));
    }
  }

  async function start() {
    const session = await sc.requireSession();
    if (!session) return;
    admin = session.role === "admin";
    $("knowledge").hidden = false;
    $("admin-note").textContent = admin ? "" : "Only admins can change articles; you can read them here.";
    $("new-article").hidden = $("import-page").hidden = !admin;
    $("find").addEventListener("input", renderList);
    $("new-article").addEventListener("click", () => $("editor").replaceChildren(editor({ aliases: [], text: "" }, true)));
    $("import-page").addEventListener("click", () => importForm().catch((error) => sc.handle(error, $("index-status"))));
    await loadList();
    watchIndex();
  }

  start().catch((error) => sc.handle(error, $("index-status")));
})();
