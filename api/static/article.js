/*
 * Renders one help-center article at /help/{id} from GET /v1/faq/articles/{id}: its title, whose
 * help center it is and its category, then its sections as the page has them: headings,
 * paragraphs, numbered steps, bulleted lists and tables (a row's key, then the rest of the row).
 * An article without sections falls back to its plain text. Everything is inserted as text nodes,
 * and there is no inline script or handler, so the page runs under a strict Content-Security-Policy.
 */
(function () {
  "use strict";

  const title = document.getElementById("article-title");
  const category = document.getElementById("article-category");
  const platform = document.getElementById("article-platform");
  const answer = document.getElementById("article-answer");
  const article = document.getElementById("article");

  function el(tag, text) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** Text with its line breaks kept: "a\nb" -> a<br>b, as text nodes. */
  function lines(node, text) {
    String(text || "")
      .split("\n")
      .forEach((line, index) => {
        if (index) node.appendChild(document.createElement("br"));
        node.appendChild(document.createTextNode(line));
      });
    return node;
  }

  function humanize(value) {
    const text = String(value || "").replace(/[_-]+/g, " ").trim();
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  }

  function renderBlock(block) {
    const kind = block && block.kind;
    if (kind === "paragraph") return lines(el("p"), block.text);
    if (kind === "steps" || kind === "list") {
      const list = el(kind === "steps" ? "ol" : "ul");
      if (kind === "steps" && Number.isInteger(block.start) && block.start > 1) list.start = block.start;
      for (const item of Array.isArray(block.items) ? block.items : []) list.appendChild(lines(el("li"), item));
      return list;
    }
    if (kind === "table") {
      const table = el("table");
      if (block.caption) table.appendChild(el("caption", String(block.caption).replace(/:\s*$/, "")));
      const body = el("tbody");
      for (const row of Array.isArray(block.rows) ? block.rows : []) {
        const tr = el("tr");
        const key = el("th", String(row.key || ""));
        key.scope = "row";
        const cell = el("td");
        for (const text of Array.isArray(row.cells) ? row.cells : []) cell.appendChild(lines(el("p"), text));
        tr.append(key, cell);
        body.appendChild(tr);
      }
      table.appendChild(body);
      const wrap = el("div");
      wrap.className = "table-wrap";
      wrap.appendChild(table);
      return wrap;
    }
    return null;
  }

  /** Sections in page order; a sub-section's parent heading shows once above it. */
  function renderSections(sections) {
    const frag = document.createDocumentFragment();
    const shown = new Set();
    for (const section of sections) {
      const heading = String(section.heading || "");
      const parent = String(section.parent || "");
      if (parent && !shown.has(parent)) {
        shown.add(parent);
        frag.appendChild(el("h2", parent));
      }
      if (heading && !shown.has(heading)) {
        shown.add(heading);
        frag.appendChild(el(parent ? "h3" : "h2", heading));
      }
      for (const block of Array.isArray(section.blocks) ? section.blocks : []) {
        const node = renderBlock(block);
        if (node) frag.appendChild(node);
      }
    }
    return frag;
  }

  const BULLET = /^\s*[-*•]\s+/;
  const NUMBERED = /^\s*\d+[.)]\s+/;

  /** Plain article text (no sections) -> paragraphs and lists, keeping the author's line breaks. */
  function renderPlain(text) {
    const frag = document.createDocumentFragment();
    let list = null;
    let listKind = null;
    let paragraph = null;
    for (const line of String(text).replace(/\r\n?/g, "\n").split("\n")) {
      const kind = BULLET.test(line) ? "ul" : NUMBERED.test(line) ? "ol" : null;
      if (kind) {
        paragraph = null;
        if (!list || listKind !== kind) {
          list = el(kind);
          listKind = kind;
          frag.appendChild(list);
        }
        list.appendChild(el("li", line.replace(kind === "ul" ? BULLET : NUMBERED, "")));
      } else if (!line.trim()) {
        list = null;
        paragraph = null;
      } else {
        list = null;
        if (paragraph) {
          paragraph.appendChild(document.createElement("br"));
          paragraph.appendChild(document.createTextNode(line));
        } else {
          paragraph = el("p", line);
          frag.appendChild(paragraph);
        }
      }
    }
    return frag;
  }

  function showError(message) {
    title.textContent = "We couldn't show this article";
    answer.replaceChildren(el("p", message));
    answer.firstChild.className = "article-error";
    answer.firstChild.setAttribute("role", "alert");
    article.setAttribute("aria-busy", "false");
  }

  async function load() {
    const segments = location.pathname.split("/").filter(Boolean);
    const id = segments.length >= 2 && segments[0] === "help" ? decodeURIComponent(segments[1]) : "";
    if (!id) {
      showError("No article was given. Go back to the shop and follow a link from the chat.");
      return;
    }
    let response;
    try {
      response = await fetch(`/v1/faq/articles/${encodeURIComponent(id)}`, { headers: { Accept: "application/json" } });
    } catch (_) {
      showError("The help center could not be reached. Check your connection and reload the page.");
      return;
    }
    if (response.status === 404) {
      showError("This help article does not exist or has been removed.");
      return;
    }
    if (!response.ok) {
      showError(`The help center answered with an error (${response.status}). Please try again later.`);
      return;
    }
    const data = await response.json();
    document.title = `${data.title} · Help center`;
    title.textContent = data.title;
    if (data.category) {
      category.textContent = humanize(data.category);
      category.hidden = false;
    }
    if (data.platform) {
      platform.textContent = `From the ${data.platform} help center`;
      platform.hidden = false;
    }
    const sections = Array.isArray(data.sections) ? data.sections : [];
    answer.replaceChildren(sections.length ? renderSections(sections) : renderPlain(data.answer || ""));
    article.setAttribute("aria-busy", "false");
  }

  load();
})();
