/* "Need help now?": the crisis lines of the configured region, one click or key press away at any time. */
import { $, el, clear } from "./dom.js";
import { sendJSON } from "./api.js";
import { resourceCard } from "./resources.js";

const dialog = $("help-dialog");
let loaded = false;

async function load() {
  const list = $("help-resources");
  clear(list);
  list.append(el("li", { className: "hint", text: "Loading the help lines…" }));
  try {
    const help = await sendJSON("GET", "/v1/help");
    clear(list);
    for (const item of help.resources || []) list.append(resourceCard(item));
    $("help-region").textContent = `Help lines for the region this Softstart is set up for (${help.region}).`;
    loaded = true;
  } catch (_) {
    clear(list);
    list.append(el("li", { className: "form-error", text: "The help lines could not be loaded. Call your local emergency number, or a crisis line you know." }));
  }
}

export function openHelp() {
  if (!loaded) load();
  if (!dialog.open) dialog.showModal();
  $("help-close").focus();
}

export function wireHelp() {
  $("help-link").addEventListener("click", (event) => {
    event.preventDefault();
    openHelp();
  });
  $("help-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close(); // a click on the backdrop
  });
  dialog.addEventListener("close", () => $("help-link").focus());
}
