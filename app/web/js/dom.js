/* Small DOM helpers. Every text reaches the page through textContent or nodes built here; no string
 * is ever parsed as HTML. */

export const $ = (id) => document.getElementById(id);

export const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

export function el(tag, options, children) {
  const node = document.createElement(tag);
  const opts = options || {};
  if (opts.className) node.className = opts.className;
  if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
  if (opts.attrs) {
    for (const [name, value] of Object.entries(opts.attrs)) {
      if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
    }
  }
  for (const child of children || []) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
}

export function scrollIntoViewGently(node, block) {
  node.scrollIntoView({ behavior: reducedMotion() ? "auto" : "smooth", block: block || "nearest" });
}

export function announce(statusNode, message) {
  statusNode.textContent = "";
  window.setTimeout(() => { statusNode.textContent = message; }, 50);
}

export function showError(node, message) {
  node.textContent = message;
  node.hidden = !message;
}

export function humanize(kind) {
  return String(kind || "").replace(/[_-]+/g, " ").trim();
}

// Python counts characters by code point, JavaScript strings by UTF-16 unit.
export function codePointSlice(chars, start, end) {
  return chars.slice(start, end).join("");
}

// Ctrl+Enter (Cmd+Enter on a Mac) in a text box submits its form.
export function submitOnModEnter(field) {
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
      event.preventDefault();
      field.form.requestSubmit();
    }
  });
}
