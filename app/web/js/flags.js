/* "Why": the message with its flagged words marked, one explanation per kind, and a tooltip.
 *
 * Each kind has its own colour AND its own number and name, so colour is never the only signal.
 * Overlapping flags share one mark, and its tooltip explains all of them. On a touch screen (or
 * after a click or Enter) the tooltip stays open and has a Close button. */
import { $, el, clear, humanize, codePointSlice } from "./dom.js";

const KNOWN_KINDS = ["criticism", "absolute", "contempt", "defensiveness", "stonewalling", "demand", "protest", "flooding"];

const tooltip = $("flag-tooltip");
const state = { flags: [], kinds: [], activeMark: null, pinned: false, hideTimer: 0, shownAt: 0, refocusing: false };

const kindClass = (kind) => `kind-${KNOWN_KINDS.includes(kind) ? kind : "other"}`;

// Where each flag sits in the text, as code point offsets; null when its text is not found.
function locate(chars, flag) {
  let [start, end] = flag.span || [0, 0];
  if (codePointSlice(chars, start, end) === flag.text) return { start, end };
  const whole = chars.join("");
  const at = flag.text ? whole.indexOf(flag.text) : -1;
  if (at < 0) return null;
  start = Array.from(whole.slice(0, at)).length;
  return { start, end: start + Array.from(flag.text).length };
}

// Overlapping spans merge into one cluster, which becomes one mark.
function clusters(chars, flags) {
  const placed = flags.map((flag, index) => ({ ...locate(chars, flag), index })).filter((p) => p.start !== undefined);
  placed.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged = [];
  for (const p of placed) {
    const last = merged[merged.length - 1];
    if (last && p.start < last.end) {
      last.end = Math.max(last.end, p.end);
      last.indexes.push(p.index);
    } else {
      merged.push({ start: p.start, end: p.end, indexes: [p.index] });
    }
  }
  return merged;
}

export function renderFlags(original, flags) {
  hideTip(true);
  const target = $("rewrite-original");
  const list = $("rewrite-flag-list");
  clear(target);
  clear(list);
  state.flags = flags;
  state.kinds = [...new Set(flags.map((f) => f.kind))];
  const number = (kind) => state.kinds.indexOf(kind) + 1;

  const chars = Array.from(original || "");
  let cursor = 0;
  for (const cluster of clusters(chars, flags)) {
    if (cluster.start > cursor) target.append(document.createTextNode(codePointSlice(chars, cursor, cluster.start)));
    const kinds = [...new Set(cluster.indexes.map((i) => flags[i].kind))];
    const mark = el("mark", {
      className: `flag ${kindClass(kinds[0])}${kinds.length > 1 ? " flag-multi" : ""}`,
      text: codePointSlice(chars, cluster.start, cluster.end),
      attrs: {
        tabindex: "0",
        "data-flags": cluster.indexes.join(","),
        "aria-describedby": kinds.map((k) => `flag-kind-${number(k)}`).join(" "),
      },
    });
    wireMark(mark);
    target.append(mark, el("sup", { className: "flag-tag", text: kinds.map(number).join(","), attrs: { "aria-hidden": "true" } }));
    cursor = cluster.end;
  }
  if (cursor < chars.length) target.append(document.createTextNode(codePointSlice(chars, cursor, chars.length)));

  // One item per kind: its number and name, the words of that kind, and why (what to try instead is in the tooltip).
  for (const kind of state.kinds) {
    const ofKind = flags.filter((f) => f.kind === kind);
    const words = [...new Set(ofKind.map((f) => `“${f.text}”`))].join(", ");
    list.append(el("li", { className: `flag-item ${kindClass(kind)}`, attrs: { id: `flag-kind-${number(kind)}` } }, [
      el("p", { className: "flag-head" }, [
        el("span", { className: "flag-label", text: `${number(kind)} ${humanize(kind)}` }),
        el("span", { className: "flag-quote", text: ` ${words}` }),
      ]),
      el("p", { className: "flag-why", text: ofKind[0].why }),
    ]));
  }
  return state.kinds.length;
}

function wireMark(mark) {
  mark.addEventListener("mouseenter", () => showTip(mark, false));
  mark.addEventListener("mouseleave", () => scheduleHide());
  mark.addEventListener("focus", () => { if (!state.refocusing) showTip(mark, false); });
  mark.addEventListener("blur", () => scheduleHide());
  mark.addEventListener("click", (event) => {
    event.stopPropagation();
    // a second click or tap closes it; the focus that comes with a first tap does not count
    const justShown = performance.now() - state.shownAt < 400;
    if (state.activeMark === mark && state.pinned && !justShown) hideTip(true);
    else showTip(mark, true);
  });
  mark.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      showTip(mark, true);
    }
  });
}

function showTip(mark, pin) {
  window.clearTimeout(state.hideTimer);
  const flags = mark.dataset.flags.split(",").map(Number).map((i) => state.flags[i]).filter(Boolean);
  if (!flags.length) return;
  if (state.activeMark && state.activeMark !== mark) state.activeMark.classList.remove("is-active");
  if (state.activeMark !== mark || tooltip.hidden) state.shownAt = performance.now();
  state.activeMark = mark;
  state.pinned = pin || window.matchMedia("(pointer: coarse)").matches;
  mark.classList.add("is-active");
  clear(tooltip);
  for (const flag of flags) {
    tooltip.append(el("div", { className: `tip-flag ${kindClass(flag.kind)}` }, [
      el("p", { className: "tip-kind", text: `${state.kinds.indexOf(flag.kind) + 1} ${humanize(flag.kind)}: “${flag.text}”` }),
      el("p", { text: flag.why }),
      el("p", {}, [el("strong", { text: "Try instead: " }), document.createTextNode(flag.antidote)]),
    ]));
  }
  if (state.pinned) {
    const close = el("button", { className: "button button-quiet button-small tip-close", text: "Close", attrs: { type: "button" } });
    close.addEventListener("click", (event) => {
      event.stopPropagation();
      refocus(state.activeMark);
    });
    tooltip.append(close);
  }
  tooltip.hidden = false;
  placeTip(mark);
}

// Closes the tooltip and gives focus back to its mark, without opening it again.
function refocus(mark) {
  hideTip(true);
  if (!mark) return;
  state.refocusing = true;
  mark.focus({ preventScroll: true });
  state.refocusing = false;
}

function placeTip(mark) {
  const box = tooltip.parentElement.getBoundingClientRect();
  const rects = mark.getClientRects();
  const rect = rects.length ? rects[rects.length - 1] : mark.getBoundingClientRect();
  const left = Math.max(0, Math.min(rect.left - box.left, box.width - tooltip.offsetWidth));
  tooltip.style.left = `${left}px`;
  tooltip.style.top = `${rect.bottom - box.top + 6}px`;
}

function scheduleHide() {
  window.clearTimeout(state.hideTimer);
  state.hideTimer = window.setTimeout(() => {
    const overTip = tooltip.matches(":hover") || tooltip.contains(document.activeElement);
    const focused = state.activeMark && document.activeElement === state.activeMark;
    if (!overTip && !focused && !state.pinned) hideTip(true);
  }, 200);
}

export function hideTip(force) {
  window.clearTimeout(state.hideTimer);
  if (!force && state.pinned) return;
  tooltip.hidden = true;
  state.pinned = false;
  if (state.activeMark) state.activeMark.classList.remove("is-active");
  state.activeMark = null;
}

export function wireFlags() {
  tooltip.addEventListener("mouseleave", () => scheduleHide());
  tooltip.addEventListener("click", (event) => event.stopPropagation());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !tooltip.hidden) {
      if (tooltip.contains(document.activeElement)) refocus(state.activeMark);
      else hideTip(true);
    }
  });
  document.addEventListener("click", () => {
    if (!tooltip.hidden) hideTip(true);
  });
  window.addEventListener("resize", () => {
    if (state.activeMark && !tooltip.hidden) placeTip(state.activeMark);
  });
}
