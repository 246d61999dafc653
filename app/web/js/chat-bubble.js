/* Chat bubbles: the user's words, and the coach's reply with its extras (a suggested message to copy,
 * links to the sources). The same drawing serves a fresh reply and one restored from the history. */
import { el, reducedMotion } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { copyButton } from "./copy.js";
import { sourceButton } from "./articles.js";
import { breathingPause } from "./breathing.js";

const squash = (text) => String(text || "").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();

export function userBubble(text) {
  return el("li", { className: "bubble bubble-user" }, [
    el("p", { className: "bubble-who", text: "You" }),
    el("p", { className: "bubble-text", text }),
  ]);
}

// An empty coach bubble that says the coach is writing; streamed text goes into its .bubble-text.
export function pendingBubble() {
  const text = el("p", { className: "bubble-text writing", text: "The coach is writing" });
  return el("li", { className: "bubble bubble-coach", attrs: { "aria-busy": "true" } }, [
    el("p", { className: "bubble-who", text: "Coach" }),
    text,
  ]);
}

// Streamed text as it arrives; citation markers wait for the finished reply, where they become links.
export function streamInto(bubble, text) {
  const node = bubble.querySelector(".bubble-text");
  node.classList.remove("writing");
  node.textContent = text.replace(/\s?\[\d{1,2}\]/g, "");
}

// The extras of a fresh turn, in the shape the history keeps them.
export function extrasOfTurn(turn) {
  return {
    suggestion: turn.rewrite && turn.rewrite.rewrite ? { text: turn.rewrite.rewrite, unchanged: turn.rewrite.unchanged } : null,
    sources: turn.sources || [],
    flooded: Boolean((turn.state && turn.state.flooded) || (turn.analysis && turn.analysis.flooded)),
  };
}

function uniqueSources(sources) {
  const seen = new Set();
  return (sources || []).filter((s) => s.source_id && !seen.has(s.source_id) && seen.add(s.source_id));
}

function suggestionBlock(suggestion, replyText, statusNode) {
  // When the reply already quotes the suggestion, it is not printed a second time: only its Copy button.
  const inReply = squash(replyText).includes(squash(suggestion.text));
  return el("div", { className: "bubble-extra bubble-suggestion" }, [
    el("p", { className: "extra-title", text: suggestion.unchanged ? "Your draft already reads gently" : "A softer way to send it" }),
    inReply ? null : el("p", { className: "softened-text", text: suggestion.text }),
    copyButton(() => suggestion.text, statusNode, inReply ? "Copy the suggested message" : "Copy"),
  ]);
}

function breathingOffer(bubble, before) {
  const start = el("button", { className: "button button-quiet button-small", text: "Breathe for a minute", attrs: { type: "button" } });
  const offer = el("div", { className: "bubble-extra" }, [
    el("p", { className: "extra-title", text: "You sound flooded" }),
    el("p", { text: "A minute of slow breathing can bring your body back down before you write anything." }),
    start,
  ]);
  start.addEventListener("click", () => {
    const pause = breathingPause(() => offer.remove(), { heading: "p" });
    offer.replaceChildren(pause.node);
    pause.skip.focus();
  });
  bubble.insertBefore(offer, before || null);
}

/* Draws the finished reply. fresh: just arrived (a flooded turn then breathes before its suggestion). */
export function finishBubble(bubble, { text, extras, statusNode, fresh = false, stopped = false }) {
  const sources = uniqueSources(extras && extras.sources);
  const cite = (n) => {
    const source = (extras && extras.sources || [])[n - 1];
    if (!source || !source.source_id) return null;
    return el("sup", {}, [sourceButton(source, String(sources.findIndex((s) => s.source_id === source.source_id) + 1), {
      className: "cite", ariaLabel: `source: ${source.title}`,
    })]);
  };
  bubble.replaceChildren(
    el("p", { className: "bubble-who", text: "Coach" }),
    el("div", { className: "bubble-text prose" }, [renderMarkdown(text, { headings: false, cite })]),
  );
  if (stopped) bubble.append(el("p", { className: "bubble-note", text: "You stopped this reply here." }));
  const suggestion = extras && extras.suggestion;
  let suggestionNode = null;
  if (suggestion && suggestion.text && !stopped) {
    suggestionNode = suggestionBlock(suggestion, text, statusNode);
    bubble.append(suggestionNode);
  }
  if (sources.length && !stopped) {
    bubble.append(el("div", { className: "bubble-extra" }, [
      el("p", { className: "extra-title", text: "Read more" }),
      el("ol", { className: "source-links" }, sources.map((s) => el("li", {}, [sourceButton(s)]))),
    ]));
  }
  if (fresh && extras && extras.flooded && !stopped) {
    if (suggestionNode) {
      // the breathing pause comes first; the suggestion shows when it ends or is skipped
      suggestionNode.hidden = true;
      const pause = breathingPause(() => { suggestionNode.hidden = false; }, { heading: "p" });
      bubble.insertBefore(pause.node, suggestionNode);
    } else {
      breathingOffer(bubble, null);
    }
  }
  bubble.removeAttribute("aria-busy");
  return bubble;
}

export function scrollToTop(bubble) {
  bubble.scrollIntoView({ behavior: reducedMotion() ? "auto" : "smooth", block: "start" });
}
