/* A character counter under a text box, shown near its limit; a paste that does not fit says so. */
import { el } from "./dom.js";

const SHOW_FROM = 0.8; // of the limit

export function wireCounter(field) {
  const max = Number(field.getAttribute("maxlength"));
  if (!max) return;
  const counter = el("p", { className: "counter", attrs: { id: `${field.id}-counter`, "aria-live": "polite" } });
  counter.hidden = true;
  field.insertAdjacentElement("afterend", counter);
  field.setAttribute("aria-describedby", `${field.getAttribute("aria-describedby") || ""} ${counter.id}`.trim());
  let cutNote = "";

  const length = () => Array.from(field.value).length;
  const update = () => {
    const used = length();
    if (used < max) cutNote = cutNote && used >= max * SHOW_FROM ? cutNote : "";
    const count = `${used.toLocaleString("en")} of ${max.toLocaleString("en")} characters`;
    counter.textContent = cutNote ? `${cutNote} ${count}.` : count;
    counter.hidden = !cutNote && used < max * SHOW_FROM;
    counter.classList.toggle("counter-full", used >= max || Boolean(cutNote));
  };

  field.addEventListener("paste", (event) => {
    const pasted = (event.clipboardData && event.clipboardData.getData("text")) || "";
    const selected = field.value.slice(field.selectionStart, field.selectionEnd);
    const after = length() - Array.from(selected).length + Array.from(pasted).length;
    if (after > max) {
      cutNote = `That paste was ${after.toLocaleString("en")} characters, more than fit, so the end was cut off. Check the last part, or send it in two goes.`;
    }
    window.setTimeout(update, 0);
  });
  field.addEventListener("input", update);
  field.form.addEventListener("reset", () => { cutNote = ""; window.setTimeout(update, 0); });
  update();
  return update;
}
