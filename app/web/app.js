/* Softstart's page: Rewrite, Chat, Ask and Together, talking only to this server.
 *
 * The work is in js/, one job per file; this file wires them together. Every text from the user or
 * the server reaches the page through textContent or DOM nodes built there; no string is ever
 * parsed as HTML. */
import { $ } from "./js/dom.js";
import { TABS, onTabSelected, selectTab, wireTabs } from "./js/tabs.js";
import { wireCounter } from "./js/counter.js";
import { wireSafety } from "./js/safety.js";
import { wireHelp } from "./js/help.js";
import { wireQuickExit } from "./js/quick-exit.js";
import { wireArticles } from "./js/articles.js";
import { wireFlags } from "./js/flags.js";
import { wireRewrite } from "./js/rewrite.js";
import { ensureLoaded, wireChat } from "./js/chat.js";
import { wireAsk } from "./js/ask.js";
import { joinCodeFrom, refreshTogether, wireTogether } from "./js/together.js";

// Examples fill their box.
document.querySelectorAll("[data-example-for]").forEach((chip) => {
  chip.addEventListener("click", () => {
    const field = $(chip.dataset.exampleFor);
    field.value = chip.textContent.trim();
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  });
});

document.querySelectorAll("textarea[maxlength]").forEach(wireCounter);
wireSafety();
wireHelp();
wireQuickExit();
wireArticles();
wireFlags();
wireRewrite();
wireChat();
wireAsk();
wireTogether();
wireTabs();
onTabSelected((name) => {
  if (name === "chat") ensureLoaded();
  if (name === "together") refreshTogether();
});

const initial = window.location.hash.slice(1);
if (joinCodeFrom(initial)) {
  selectTab("together");
} else if (initial === "help") {
  selectTab("rewrite", { updateHash: false });
  $("help-link").click();
} else {
  selectTab(TABS.includes(initial) ? initial : "rewrite", { updateHash: TABS.includes(initial) });
}
document.documentElement.classList.add("js-ready");
