/* Rewrite: the suggestion first (Copy, Use this, a switch between approaches), then a short "why".
 * A flooded message gets a one-minute breathing pause before the suggestion; a language Softstart
 * cannot read yet gets a neutral card, never "Already fine". */
import { $, el, clear, announce, showError, scrollIntoViewGently, submitOnModEnter } from "./dom.js";
import { sendJSON } from "./api.js";
import { wireCopy } from "./copy.js";
import { renderFlags, hideTip } from "./flags.js";
import { breathingPause } from "./breathing.js";
import { showSafety } from "./safety.js";

const APPROACH_NAMES = {
  suggested: "Suggested",
  brief: "Brief",
  warm: "Warm",
  name_the_pattern: "Names the pattern",
  break: "A break",
};
const LANGUAGE_FALLBACK = "Softstart only reads English for now, so it cannot tell whether this message might land hard. Nothing here says it is fine or not.";

const form = $("rewrite-form");
const input = $("rewrite-message");
const submit = $("rewrite-submit");
const errorNode = $("rewrite-error");
const statusNode = $("rewrite-status");
const result = $("rewrite-result");
const view = { data: null, approaches: [], current: 0, pause: null, resetCopy: () => {} };

const squash = (text) => String(text || "").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();

async function run(event) {
  event.preventDefault();
  const message = input.value.trim();
  showError(errorNode, "");
  if (!message) {
    showError(errorNode, "Write the message you want to send first, or pick an example.");
    input.focus();
    return;
  }
  const body = { message, sender_role: $("rewrite-role").value };
  const context = $("rewrite-context").value.trim();
  if (context) body.context = context;
  submit.disabled = true;
  submit.textContent = "Checking…";
  announce(statusNode, "Checking your message…");
  try {
    render(await sendJSON("POST", "/v1/rewrite", { body }));
  } catch (error) {
    showError(errorNode, error.message);
  } finally {
    submit.disabled = false;
    submit.textContent = "Check my message";
  }
}

function approachesOf(data) {
  const seen = new Set([squash(data.rewrite)]);
  const list = [{ tone: "suggested", text: data.rewrite }];
  for (const alternative of data.alternatives || []) {
    if (!alternative.text || seen.has(squash(alternative.text))) continue;
    seen.add(squash(alternative.text));
    list.push({ tone: alternative.tone, text: alternative.text });
  }
  return list;
}

function renderApproaches() {
  const options = $("rewrite-approach-options");
  clear(options);
  view.approaches.forEach((approach, index) => {
    const id = `approach-${index}`;
    const radio = el("input", { className: "approach-radio", attrs: { type: "radio", name: "approach", id, value: String(index) } });
    radio.checked = index === 0;
    radio.addEventListener("change", () => showApproach(index));
    options.append(el("span", { className: "approach" }, [
      radio,
      el("label", { className: "approach-label", text: APPROACH_NAMES[approach.tone] || approach.tone.replace(/_/g, " "), attrs: { for: id } }),
    ]));
  });
  $("rewrite-approaches").hidden = view.approaches.length < 2;
}

function showApproach(index) {
  view.current = index;
  const text = view.approaches[index].text;
  $("rewrite-softened").textContent = text;
  view.resetCopy();
  renderChanges(index === 0 ? text : null);
}

// "What changed": only changes the shown suggestion really contains; closed for every new result.
function renderChanges(text) {
  const list = $("rewrite-changes");
  const block = $("rewrite-changes-block");
  clear(list);
  const shown = squash(text);
  const changes = text === null ? [] : (view.data.explanation || []).filter((c) => !c.after || shown.includes(squash(c.after)));
  for (const change of changes) {
    list.append(el("li", {}, [
      change.before ? el("p", { className: "change-before", text: change.before }) : null,
      change.after ? el("p", { className: "change-after", text: change.after }) : null,
      el("p", { className: "change-why", text: change.why }),
    ]));
  }
  block.hidden = changes.length === 0;
}

function stopPause() {
  if (view.pause) {
    view.pause.node.remove();
    view.pause = null;
  }
  clear($("rewrite-breathe"));
  $("rewrite-breathe").hidden = true;
}

function render(data) {
  hideTip(true);
  stopPause();
  view.data = data;
  if (showSafety(data.safety) && data.rewrite === null) {
    result.hidden = true;
    announce(statusNode, "Safety information is shown at the top of the page.");
    return;
  }
  const flags = data.flags || [];
  const unsupported = data.language_supported === false;
  const fine = !unsupported && Boolean(data.unchanged) && flags.length === 0;
  const suggesting = !unsupported && !fine && Boolean(data.rewrite);

  $("rewrite-language").hidden = !unsupported;
  $("rewrite-language-text").textContent = data.note || LANGUAGE_FALLBACK;
  $("rewrite-fine").hidden = !fine;

  $("rewrite-softened-title").textContent = data.unchanged ? "Your message, ready to send" : "Try sending this instead";
  view.approaches = suggesting ? approachesOf(data) : [];
  if (suggesting) {
    renderApproaches();
    showApproach(0);
  }
  $("rewrite-more").open = false; // closed for every new result

  const why = $("rewrite-why");
  why.hidden = !suggesting;
  if (suggesting) {
    const kinds = renderFlags(data.original, flags);
    $("rewrite-flag-list").hidden = kinds === 0;
    $("rewrite-pattern").textContent = data.pattern || "";
    $("rewrite-pattern").hidden = !data.pattern;
    $("rewrite-note").textContent = data.note || "";
    $("rewrite-note").hidden = !data.note;
  }

  const card = $("rewrite-suggestion");
  card.hidden = true;
  result.hidden = false;
  if (suggesting && data.flooded) {
    const holder = $("rewrite-breathe");
    view.pause = breathingPause(() => {
      view.pause = null;
      holder.hidden = true;
      card.hidden = false;
      $("rewrite-copy").focus({ preventScroll: true });
      scrollIntoViewGently(card, "nearest");
    });
    holder.append(view.pause.node);
    holder.hidden = false;
  } else {
    card.hidden = !suggesting;
  }

  const count = flags.length;
  announce(statusNode, unsupported ? "Softstart cannot read this language yet." : fine ? "Your message is already fine." :
    data.flooded ? "A minute to breathe first; the suggestion follows." :
    `Done. A softer version is ready${count ? `; ${count} spot${count === 1 ? "" : "s"} might land hard` : ""}.`);
  result.focus({ preventScroll: true });
  const first = [...result.children].find((node) => !node.hidden && node.tagName !== "H2");
  if (first) scrollIntoViewGently(first, window.matchMedia("(min-width: 64rem)").matches ? "nearest" : "start");
}

// Use this: the suggestion goes back into the box, to change or check again.
function useSuggestion() {
  input.value = $("rewrite-softened").textContent;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.focus({ preventScroll: true });
  input.setSelectionRange(input.value.length, input.value.length);
  scrollIntoViewGently(input, "nearest");
  announce(statusNode, "The suggestion is in your message box now. Change anything you like.");
}

export function wireRewrite() {
  form.addEventListener("submit", run);
  submitOnModEnter(input);
  submitOnModEnter($("rewrite-context"));
  view.resetCopy = wireCopy($("rewrite-copy"), () => $("rewrite-softened").textContent, statusNode);
  $("rewrite-use").addEventListener("click", useSuggestion);
}
