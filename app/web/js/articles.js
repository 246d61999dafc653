/* The article behind a source, in a dialog; sourceButton() opens it. */
import { $, el, clear } from "./dom.js";
import { ApiError, sendJSON } from "./api.js";
import { renderMarkdown } from "./markdown.js";

const dialog = $("article-dialog");
let opener = null;

function articleUrl(sourceId) {
  return "/v1/articles/" + String(sourceId).split("/").map(encodeURIComponent).join("/");
}

async function open(source, from) {
  opener = from || document.activeElement;
  $("article-title").textContent = source.title || "Article";
  $("article-source").textContent = source.source ? `From ${source.source}` : "";
  const body = $("article-body");
  clear(body);
  body.append(el("p", { className: "hint", text: "Opening the article…" }));
  if (!dialog.open) dialog.showModal();
  $("article-close").focus();
  try {
    if (!source.source_id) throw new ApiError("This source has no article to open.", 404);
    const article = await sendJSON("GET", articleUrl(source.source_id));
    $("article-title").textContent = article.title;
    $("article-source").textContent = article.source ? `From ${article.source}` : "";
    clear(body);
    const text = String(article.text || "").replace(/^\s*#\s+.*\n/, ""); // the title is shown above
    body.append(renderMarkdown(text, { headingOffset: 1 }));
    body.scrollTop = 0;
    dialog.scrollTop = 0;
  } catch (error) {
    clear(body);
    body.append(el("p", { className: "form-error", text: `The whole article could not be opened. ${error.message}` }));
    if (source.passage) {
      body.append(el("p", { className: "hint", text: "The passage that was cited:" }), el("blockquote", { text: source.passage }));
    }
  }
}

export function sourceButton(source, label, options) {
  const opts = options || {};
  const button = el("button", {
    className: opts.className || "source-open",
    text: label || source.title,
    attrs: { type: "button", "aria-label": opts.ariaLabel },
  });
  button.addEventListener("click", () => open(source, button));
  return button;
}

export function wireArticles() {
  $("article-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close(); // a click on the backdrop
  });
  dialog.addEventListener("close", () => {
    if (opener && document.contains(opener)) opener.focus();
  });
}
