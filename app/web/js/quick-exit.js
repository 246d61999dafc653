/* Quick exit: erase everything this page holds and leave for a neutral page, replacing this one in history. */
import { $ } from "./dom.js";
import { send } from "./api.js";

const EXIT_KEY = "softstart.exit";
const CHAT_KEY = "softstart.chat.session";

function exitTarget() {
  const chosen = window.localStorage.getItem(EXIT_KEY) || "";
  return /^https:\/\/[^\s]+$/i.test(chosen) ? chosen : "about:blank";
}

function forgetChatOnServer() {
  try {
    const session = JSON.parse(window.localStorage.getItem(CHAT_KEY) || "null");
    if (session && session.id && session.token) {
      // keepalive: the request finishes even though the page is gone
      send("DELETE", `/v1/sessions/${encodeURIComponent(session.id)}`, { token: session.token, keepalive: true }).catch(() => {});
    }
  } catch (_) { /* nothing stored */ }
}

export function quickExit() {
  const target = exitTarget();
  forgetChatOnServer();
  try { window.localStorage.clear(); } catch (_) { /* storage may be off */ }
  try { window.sessionStorage.clear(); } catch (_) { /* storage may be off */ }
  document.querySelectorAll("dialog[open]").forEach((dialog) => dialog.close());
  document.querySelectorAll("form").forEach((form) => form.reset());
  document.title = "";
  document.body.replaceChildren();
  window.history.replaceState(null, "", "/");
  window.location.replace(target);
}

export function wireQuickExit() {
  $("quick-exit").addEventListener("click", quickExit);
  const select = $("exit-target");
  select.value = window.localStorage.getItem(EXIT_KEY) || "";
  if (select.selectedIndex < 0) select.value = "";
  select.addEventListener("change", () => {
    if (select.value) window.localStorage.setItem(EXIT_KEY, select.value);
    else window.localStorage.removeItem(EXIT_KEY);
  });
}
