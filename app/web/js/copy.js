/* Copy buttons: "Copied" for a moment, and back to their own label for every new text. */
import { el, announce } from "./dom.js";

export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) { /* fall through to the old way */ }
  }
  const scratch = el("textarea", { className: "copy-scratch", attrs: { readonly: "", "aria-hidden": "true" } });
  scratch.value = text;
  document.body.append(scratch);
  scratch.select();
  let copied = false;
  try { copied = document.execCommand("copy"); } catch (_) { copied = false; }
  scratch.remove();
  return copied;
}

// Wires a button to copy getText(); returns reset(), which puts the label back at once.
export function wireCopy(button, getText, statusNode) {
  const label = button.textContent;
  let timer = 0;
  const reset = () => {
    window.clearTimeout(timer);
    button.textContent = label;
  };
  button.addEventListener("click", async () => {
    const ok = await copyText(getText());
    button.textContent = ok ? "Copied" : "Select and copy it yourself";
    announce(statusNode, ok ? "Copied. You can paste it into your message now." : "Copying did not work here; select the text and copy it.");
    window.clearTimeout(timer);
    timer = window.setTimeout(reset, 2500);
  });
  return reset;
}

export function copyButton(getText, statusNode, label) {
  const button = el("button", { className: "button button-quiet button-small", text: label || "Copy", attrs: { type: "button" } });
  wireCopy(button, getText, statusNode);
  return button;
}
