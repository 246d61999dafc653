/* Chat: a conversation kept on the server, its id and token on this device. Replies stream in with
 * a Stop button; the box stays at the bottom of the screen and grows as you type. */
import { $, clear, announce, showError } from "./dom.js";
import { ApiError, Stopped, detailText, readEvents, send, sendJSON } from "./api.js";
import { showSafety } from "./safety.js";
import { extrasOfTurn, finishBubble, pendingBubble, scrollToTop, streamInto, userBubble } from "./chat-bubble.js";

export const CHAT_STORAGE_KEY = "softstart.chat.session";

const form = $("chat-form");
const input = $("chat-message");
const sendButton = $("chat-send");
const stopButton = $("chat-stop");
const deleteButton = $("chat-delete");
const log = $("chat-log");
const errorNode = $("chat-error");
const statusNode = $("chat-status");
const dialog = $("delete-dialog");
const state = { loaded: false, busy: false, controller: null };

export function storedSession() {
  try {
    const stored = JSON.parse(window.localStorage.getItem(CHAT_STORAGE_KEY) || "null");
    return stored && typeof stored.id === "string" && typeof stored.token === "string" ? stored : null;
  } catch (_) {
    return null;
  }
}

function remember(session) {
  if (session) window.localStorage.setItem(CHAT_STORAGE_KEY, JSON.stringify({ id: session.id, token: session.token }));
  else window.localStorage.removeItem(CHAT_STORAGE_KEY);
  deleteButton.hidden = !session;
}

const sessionUrl = (session, suffix) => `/v1/sessions/${encodeURIComponent(session.id)}${suffix || ""}`;

function refreshEmpty() {
  const empty = log.children.length === 0;
  $("chat-empty").hidden = !empty;
  $("chat-examples").hidden = !empty;
}

// The box grows with what is typed, up to about a third of the screen.
function grow() {
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight + 4, Math.round(window.innerHeight * 0.35))}px`;
}

export async function ensureLoaded() {
  if (state.loaded) return;
  state.loaded = true;
  const session = storedSession();
  deleteButton.hidden = !session;
  if (!session) { refreshEmpty(); return; }
  try {
    const history = await sendJSON("GET", sessionUrl(session, "/messages"), { token: session.token });
    clear(log);
    for (const message of history.messages || []) {
      if (message.role === "user") log.append(userBubble(message.text));
      else log.append(finishBubble(pendingBubble(), { text: message.text, extras: message.extras, statusNode }));
    }
    refreshEmpty();
    if (log.lastElementChild) log.lastElementChild.scrollIntoView({ block: "nearest" });
  } catch (error) {
    if (error.status === 404) {
      remember(null);
      clear(log);
      refreshEmpty();
      announce(statusNode, "Your earlier conversation is no longer available. You can start a new one.");
    } else {
      state.loaded = false; // try again next time
      showError(errorNode, `Your conversation could not be loaded. ${error.message}`);
    }
  }
}

async function startSession() {
  const created = await sendJSON("POST", "/v1/sessions");
  remember(created);
  return created;
}

function post(session, text) {
  return send("POST", sessionUrl(session, "/messages"), {
    body: { text }, token: session.token, accept: "text/event-stream", signal: state.controller.signal,
  });
}

function setBusy(busy) {
  state.busy = busy;
  sendButton.disabled = busy;
  sendButton.textContent = busy ? "Sending…" : "Send";
  stopButton.hidden = !busy;
}

async function run(event) {
  event.preventDefault();
  if (state.busy) return;
  const text = input.value.trim();
  showError(errorNode, "");
  if (!text) {
    showError(errorNode, "Write something to the coach first, or pick an example.");
    input.focus();
    return;
  }
  state.controller = new AbortController();
  setBusy(true);
  const mine = userBubble(text);
  const reply = pendingBubble();
  log.append(mine, reply);
  refreshEmpty();
  input.value = "";
  grow();
  input.dispatchEvent(new Event("input", { bubbles: true }));
  scrollToTop(mine);
  const streamed = { text: "" };
  try {
    let session = storedSession() || await startSession();
    let response;
    try {
      response = await post(session, text);
    } catch (error) {
      if (error.status !== 404) throw error;
      // The conversation was deleted elsewhere: start a new one with this message.
      clear(log);
      log.append(mine, reply);
      session = await startSession();
      response = await post(session, text);
    }
    await receive(response, reply, streamed);
  } catch (error) {
    if (error instanceof Stopped) {
      if (streamed.text) finishBubble(reply, { text: streamed.text, extras: null, statusNode, stopped: true });
      else reply.remove();
      announce(statusNode, "Stopped.");
      input.focus();
    } else {
      reply.remove();
      input.value = text;
      grow();
      if (error.status !== 503) mine.remove(); // a 503 keeps the message: the server saved it
      refreshEmpty();
      showError(errorNode, error.message);
      input.focus();
    }
  } finally {
    setBusy(false);
    state.controller = null;
  }
}

async function receive(response, reply, streamed) {
  const type = response.headers.get("Content-Type") || "";
  let turn = null;
  let first = true;
  if (type.includes("text/event-stream")) {
    await readEvents(response, (name, data) => {
      let payload;
      try { payload = JSON.parse(data); } catch (_) { return; }
      if (name === "delta" && typeof payload.text === "string") {
        streamed.text += payload.text;
        streamInto(reply, streamed.text);
        if (first) { first = false; scrollToTop(reply); }
      } else if (name === "done") {
        turn = payload;
      } else if (name === "error") {
        throw new ApiError(detailText(payload.detail) || "The coach could not finish the reply. Please try again.", 503);
      }
    }, state.controller.signal);
  } else {
    turn = await response.json();
  }
  if (!turn) throw new ApiError("The reply was cut off. Please try again.", 0);
  finishBubble(reply, { text: turn.reply ? turn.reply.text : streamed.text, extras: extrasOfTurn(turn), statusNode, fresh: true });
  if (turn.safety && turn.safety.level !== "none") {
    reply.classList.add("bubble-safety");
    showSafety(turn.safety, { canDelete: true });
  } else {
    scrollToTop(reply);
  }
  remember(storedSession()); // shows the delete button
}

function askDelete() {
  if (!storedSession()) return;
  dialog.showModal();
  $("delete-cancel").focus();
}

async function confirmDelete() {
  const session = storedSession();
  const button = $("delete-confirm");
  button.disabled = true;
  try {
    if (session) {
      try {
        await send("DELETE", sessionUrl(session), { token: session.token });
      } catch (error) {
        if (error.status !== 404) throw error; // already gone is what we wanted
      }
    }
    remember(null);
    clear(log);
    refreshEmpty();
    $("safety-delete").hidden = true;
    dialog.close();
    showError(errorNode, "");
    announce(statusNode, "The conversation was deleted.");
    input.focus();
  } catch (error) {
    dialog.close();
    showError(errorNode, `The conversation could not be deleted. ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

export function wireChat() {
  form.addEventListener("submit", run);
  stopButton.addEventListener("click", () => { if (state.controller) state.controller.abort(); });
  input.addEventListener("input", grow);
  // On a phone's keyboard Enter is the way to start a new line; there the Send button sends.
  const enterSends = () => !window.matchMedia("(pointer: coarse)").matches;
  if (!enterSends()) $("chat-message-hint").textContent = "Tap Send when you are ready.";
  input.addEventListener("keydown", (event) => {
    const plainEnter = event.key === "Enter" && !event.shiftKey && !event.altKey && !event.isComposing;
    if (plainEnter && (event.ctrlKey || event.metaKey || (enterSends() && !event.ctrlKey && !event.metaKey))) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  deleteButton.addEventListener("click", askDelete);
  $("safety-delete").addEventListener("click", askDelete);
  $("delete-cancel").addEventListener("click", () => { dialog.close(); deleteButton.focus(); });
  $("delete-confirm").addEventListener("click", confirmDelete);
}
