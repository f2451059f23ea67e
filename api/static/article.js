/*
 * Renders one help-center article at /help/{id} from GET /v1/faq/articles/{id}.
 * Article text is plain text: blank lines separate paragraphs, lines starting with "-", "*" or "•"
 * are bullets and "1." / "1)" start numbered steps. Everything is inserted as text nodes.
 */
(function () {
  "use strict";

  const title = document.getElementById("article-title");
  const category = document.getElementById("article-category");
  const answer = document.getElementById("article-answer");
  const sources = document.getElementById("article-sources");
  const article = document.getElementById("article");

  function el(tag, text) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function humanize(value) {
    const text = String(value || "").replace(/[_-]+/g, " ").trim();
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  }

  const BULLET = /^\s*[-*•]\s+/;
  const NUMBERED = /^\s*\d+[.)]\s+/;

  /** Plain article text -> paragraphs and lists, keeping the author's line breaks. */
  function renderAnswer(text) {
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
    answer.replaceChildren(renderAnswer(data.answer || ""));
    const list = sources.querySelector("ul");
    list.replaceChildren(...(Array.isArray(data.sources) ? data.sources : []).map((name) => el("li", String(name))));
    sources.hidden = !list.children.length;
    article.setAttribute("aria-busy", "false");
  }

  load();
})();
