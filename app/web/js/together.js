/* Together: invite my partner, join with a code, share one of my messages or an edited summary, and
 * the shared space (what each shared, the loop, a step each, agreement). The session is the Chat
 * tab's own (its id and token on this device); nothing here ever asks for the partner's messages. */
import { $, el, clear, announce, showError } from "./dom.js";
import { sendJSON } from "./api.js";
import { CHAT_STORAGE_KEY, storedSession } from "./chat.js";

const errorNode = $("together-error");
const statusNode = $("together-status");
const pending = { code: "" };

const sessionUrl = (session, suffix) => `/v1/sessions/${encodeURIComponent(session.id)}${suffix || ""}`;

function keep(session) {
  window.localStorage.setItem(CHAT_STORAGE_KEY, JSON.stringify({ id: session.id, token: session.token }));
}

// "#join=CODE" in the address: the code goes into the join box (and out of the address).
export function joinCodeFrom(hash) {
  if (!hash.startsWith("join=")) return false;
  pending.code = decodeURIComponent(hash.slice("join=".length));
  $("together-code").value = pending.code;
  window.history.replaceState(null, "", "#together");
  return true;
}

async function mySession() {
  const existing = storedSession();
  if (existing) return existing;
  const created = await sendJSON("POST", "/v1/sessions");
  keep(created);
  return created;
}

async function invite() {
  showError(errorNode, "");
  try {
    const session = await mySession();
    const made = await sendJSON("POST", sessionUrl(session, "/invite"), { token: session.token });
    const link = new URL(made.link, window.location.origin).href;
    $("together-invite-link").value = link;
    $("together-invite-code").textContent = made.code;
    $("together-invite-result").hidden = false;
    announce(statusNode, "Invite ready. Give your partner the link or the code.");
    await refreshTogether();
  } catch (error) {
    showError(errorNode, error.status === 409 ? "Inviting a partner isn't available in this conversation." : error.message);
  }
}

async function join(event) {
  event.preventDefault();
  const code = $("together-code").value.trim();
  showError($("together-join-error"), "");
  if (!code) {
    showError($("together-join-error"), "Type the code your partner gave you.");
    return;
  }
  try {
    const created = await sendJSON("POST", "/v1/together/join", { body: { code, role: $("together-role").value } });
    keep(created);
    window.location.hash = "#together";
    window.location.reload();
  } catch (error) {
    showError($("together-join-error"), error.status === 404 ? "That code doesn't work. It may be used, expired or mistyped; ask your partner for a new one." : error.message);
  }
}

async function share(body) {
  const session = storedSession();
  if (!session) return;
  showError(errorNode, "");
  try {
    await sendJSON("POST", sessionUrl(session, "/together/share"), { body, token: session.token });
    announce(statusNode, "Shared with your partner.");
    await refreshTogether();
  } catch (error) {
    showError(errorNode, error.message);
  }
}

async function draft() {
  const session = storedSession();
  if (!session) return;
  try {
    const drafted = await sendJSON("GET", sessionUrl(session, "/together/draft"), { token: session.token });
    $("together-summary").value = drafted.text;
    $("together-summary").focus();
  } catch (error) {
    showError(errorNode, error.message);
  }
}

function listOf(node, items, render) {
  clear(node);
  for (const item of items) node.append(render(item));
}

async function showMine(session) {
  const history = await sendJSON("GET", sessionUrl(session, "/messages"), { token: session.token });
  const mine = (history.messages || []).filter((m) => m.role === "user");
  listOf($("together-mine"), mine, (message) => el("li", { className: "together-mine-item" }, [
    el("p", { text: message.text }),
    (() => {
      const button = el("button", { className: "button button-quiet", text: "Share this", attrs: { type: "button", "data-seq": message.seq } });
      button.addEventListener("click", () => share({ seq: message.seq }));
      return button;
    })(),
  ]));
}

function showView(view) {
  const open = view.status === "open";
  $("together-view").hidden = view.status === "alone";
  $("together-share").hidden = !open;
  $("together-start").hidden = !["alone", "waiting"].includes(view.status);
  $("together-join").hidden = view.status !== "alone";
  $("together-message").textContent = view.message || "";
  $("together-message").hidden = !view.message;
  $("together-content").hidden = !open;
  if (!open) return;
  listOf($("together-shared"), view.shared, (item) => el("li", { className: `together-item together-${item.author}` }, [
    el("strong", { text: item.author === "you" ? "You shared: " : "Your partner shared: " }),
    el("span", { text: item.text }),
  ]));
  if (!view.shared.length) $("together-shared").append(el("li", { text: "Nothing shared yet." }));
  $("together-cycle").textContent = view.cycle || "";
  listOf($("together-reflections"), view.reflections, (r) => el("li", { text: r.text }));
  $("together-common").textContent = view.common_ground || "";
  listOf($("together-steps"), view.steps, (step) => el("li", { className: `together-step together-${step.who}` }, [
    el("strong", { text: step.who === "you" ? "Your step: " : "Your partner's step: " }),
    el("span", { text: step.text }),
    step.agreed ? el("span", { className: "together-agreed", text: " (agreed)" }) : null,
  ]));
  listOf($("together-techniques"), view.techniques, (t) => el("li", { text: t.text }));
  const mine = view.steps.find((step) => step.who === "you");
  $("together-agree").hidden = Boolean(mine && mine.agreed);
}

export async function refreshTogether() {
  const session = storedSession();
  showError(errorNode, "");
  if (!session) {
    showView({ status: "alone", shared: [], steps: [] });
    return;
  }
  try {
    const view = await sendJSON("GET", sessionUrl(session, "/together"), { token: session.token });
    showView(view);
    if (view.status === "open") await showMine(session);
  } catch (error) {
    if (error.status === 404) showView({ status: "alone", shared: [], steps: [] });
    else showError(errorNode, error.message);
  }
}

async function agree() {
  const session = storedSession();
  if (!session) return;
  try {
    showView(await sendJSON("POST", sessionUrl(session, "/together/agree"), { token: session.token }));
    announce(statusNode, "Your agreement is recorded.");
  } catch (error) {
    showError(errorNode, error.message);
  }
}

async function leave() {
  const session = storedSession();
  if (!session) return;
  if (!window.confirm("Leave the shared space? All your messages are erased, here and in Chat.")) return;
  try {
    await sendJSON("POST", sessionUrl(session, "/together/leave"), { token: session.token });
    window.localStorage.removeItem(CHAT_STORAGE_KEY);
    window.location.hash = "#together";
    window.location.reload();
  } catch (error) {
    showError(errorNode, error.message);
  }
}

export function wireTogether() {
  $("together-invite").addEventListener("click", invite);
  $("together-join-form").addEventListener("submit", join);
  $("together-draft").addEventListener("click", draft);
  $("together-summary-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("together-summary").value.trim();
    if (text) share({ text });
  });
  $("together-agree").addEventListener("click", agree);
  $("together-refresh").addEventListener("click", refreshTogether);
  $("together-leave").addEventListener("click", leave);
}
