/* Ask: an answer from the knowledge base, one card per article, citations linked to their card. */
import { $, el, clear, announce, showError, scrollIntoViewGently } from "./dom.js";
import { sendJSON } from "./api.js";
import { renderMarkdown, shortPassage, stripMarkdown } from "./markdown.js";
import { sourceButton } from "./articles.js";
import { showSafety } from "./safety.js";
import { linkTabs } from "./tabs.js";

const PASSAGE_CHARS = 240;

const form = $("ask-form");
const question = $("ask-question");
const submit = $("ask-submit");
const errorNode = $("ask-error");
const statusNode = $("ask-status");
const result = $("ask-result");

async function run(event) {
  event.preventDefault();
  const text = question.value.trim();
  showError(errorNode, "");
  if (!text) {
    showError(errorNode, "Write a question first, or pick an example.");
    question.focus();
    return;
  }
  submit.disabled = true;
  submit.textContent = "Looking it up…";
  announce(statusNode, "Looking for an answer…");
  try {
    render(await sendJSON("POST", "/v1/ask", { body: { question: text } }));
  } catch (error) {
    showError(errorNode, error.message);
  } finally {
    submit.disabled = false;
    submit.textContent = "Ask";
  }
}

// Sources grouped by article: each card lists the article once, with the passages cited from it.
function articlesOf(sources) {
  const cards = [];
  const cardOf = [];
  for (const source of sources) {
    const key = source.source_id || source.title;
    let card = cards.find((c) => c.key === key);
    if (!card) {
      card = { key, source, passages: [], sections: [] };
      cards.push(card);
    }
    const passage = stripMarkdown(source.passage);
    if (passage && !card.passages.includes(passage)) card.passages.push(passage);
    if (source.section && !card.sections.includes(source.section)) card.sections.push(source.section);
    cardOf.push(cards.indexOf(card) + 1);
  }
  return { cards, cardOf };
}

function citation(n, title) {
  const link = el("a", { className: "cite", text: String(n), attrs: { href: `#ask-source-${n}`, "aria-label": `source ${n}: ${title}` } });
  link.addEventListener("click", (event) => {
    event.preventDefault();
    const card = $(`ask-source-${n}`);
    document.querySelectorAll(".source-card.is-highlighted").forEach((c) => c.classList.remove("is-highlighted"));
    card.classList.add("is-highlighted");
    scrollIntoViewGently(card);
    card.querySelector(".source-open").focus({ preventScroll: true });
  });
  return el("sup", {}, [link]);
}

function card(article, n) {
  const { source } = article;
  const passage = article.passages.length ? shortPassage(article.passages[0], PASSAGE_CHARS) : "";
  const label = article.sections.length ? `Source ${n} · ${article.sections.join(" · ")}` : `Source ${n}`;
  return el("li", { className: "card source-card", attrs: { id: `ask-source-${n}` } }, [
    el("p", { className: "source-number", text: label }),
    el("h3", {}, [sourceButton(source)]),
    passage ? el("p", { className: "source-passage", text: passage }) : null,
    source.source ? el("p", { className: "source-meta", text: `From ${source.source}` }) : null,
  ]);
}

function render(data) {
  const sources = data.sources || [];
  if (showSafety(data.safety) && !sources.length) {
    result.hidden = true;
    announce(statusNode, "Safety information is shown at the top of the page.");
    return;
  }
  const { cards, cardOf } = articlesOf(sources);
  const answer = $("ask-answer");
  clear(answer);
  answer.append(renderMarkdown(data.answer, {
    cite: (n) => (n >= 1 && n <= sources.length ? citation(cardOf[n - 1], cards[cardOf[n - 1] - 1].source.title) : null),
  }));
  linkTabs(answer, "ask");
  const list = $("ask-sources");
  clear(list);
  cards.forEach((article, i) => list.append(card(article, i + 1)));
  $("ask-sources-block").hidden = !cards.length;
  result.hidden = false;
  announce(statusNode, cards.length ? `Answer ready, with ${cards.length} source${cards.length === 1 ? "" : "s"}.` : "Answer ready.");
  result.focus({ preventScroll: true });
  scrollIntoViewGently(result, "start");
}

export function wireAsk() {
  form.addEventListener("submit", run);
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}
