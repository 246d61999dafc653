/* The tabs, with arrow keys, Home and End, and the tab named in the address (#chat). */
import { $ } from "./dom.js";

export const TABS = ["rewrite", "chat", "ask", "together"];
const listeners = [];

export function onTabSelected(listener) {
  listeners.push(listener);
}

export function selectTab(name, { focus = false, updateHash = true } = {}) {
  if (!TABS.includes(name)) name = "rewrite";
  TABS.forEach((tab) => {
    const selected = tab === name;
    const button = $(`tab-${tab}`);
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
  });
  if (focus) $(`tab-${name}`).focus();
  if (updateHash && window.location.hash !== `#${name}`) {
    window.history.replaceState(null, "", `#${name}`);
  }
  listeners.forEach((listener) => listener(name));
}

export function wireTabs() {
  TABS.forEach((name, index) => {
    const button = $(`tab-${name}`);
    button.addEventListener("click", () => selectTab(name));
    button.addEventListener("keydown", (event) => {
      let target = null;
      if (event.key === "ArrowRight") target = (index + 1) % TABS.length;
      else if (event.key === "ArrowLeft") target = (index - 1 + TABS.length) % TABS.length;
      else if (event.key === "Home") target = 0;
      else if (event.key === "End") target = TABS.length - 1;
      if (target !== null) {
        event.preventDefault();
        selectTab(TABS[target], { focus: true });
      }
    });
  });
  window.addEventListener("hashchange", () => {
    const name = window.location.hash.slice(1);
    if (TABS.includes(name)) selectTab(name, { updateHash: false });
  });
  // Links to a tab inside answers (href="#chat") switch to it and put the cursor in its box.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[data-tab]");
    if (!link) return;
    event.preventDefault();
    selectTab(link.dataset.tab);
    const box = $(`panel-${link.dataset.tab}`).querySelector("textarea");
    if (box) box.focus();
    window.scrollTo({ top: 0 });
  });
}

// Words in a rendered answer that name what another tab does become links to that tab.
const TAB_PHRASES = [
  { tab: "rewrite", pattern: /\b(?:the rewrite tool|rewrit(?:e|ing)(?: a message(?: before you send it)?)?|Rewrite tab)\b/i },
  { tab: "chat", pattern: /\b(?:talking through a conflict(?: that is happening now)?|talk it through|the Chat tab|chat)\b/i },
  { tab: "ask", pattern: /\bquestions about pursuing, withdrawing\b/i },
];

export function linkTabs(root, current) {
  for (const { tab, pattern } of TAB_PHRASES) {
    if (tab === current && !/questions/.test(pattern.source)) continue;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => (node.parentElement.closest("a, button, code") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    let node;
    while ((node = walker.nextNode())) {
      const match = pattern.exec(node.textContent);
      if (!match) continue;
      const after = node.splitText(match.index);
      after.splitText(match[0].length);
      const link = document.createElement("a");
      link.href = `#${tab}`;
      link.dataset.tab = tab;
      link.className = "tab-link";
      link.textContent = after.textContent;
      after.replaceWith(link);
      break; // one link per tab is enough
    }
  }
}
