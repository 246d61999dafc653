/* The safety banner: shown above everything when the safety screen fires, with people to reach. */
import { $, clear } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { resourceCard } from "./resources.js";

const banner = $("safety-banner");

// The message lists the resources as text; they are shown below it as cards with call and text links.
function withoutResourceList(message, listedBelow) {
  const text = String(message || "It sounds like things are really hard right now. You deserve support from a person.");
  if (!listedBelow) return text;
  return text.split(/\n\s*\n/)
    .map((paragraph) => paragraph.split("\n").filter((line) => !/^\s*[-*•]\s/.test(line)).join("\n").trim())
    .filter((paragraph) => paragraph && !/:$/.test(paragraph))
    .join("\n\n");
}

// Shows the banner for a safety result; false when there is nothing to show. canDelete: offer to delete the chat.
export function showSafety(result, { canDelete = false } = {}) {
  if (!result || !result.level || result.level === "none") return false;
  $("safety-title").textContent = result.level === "crisis" ? "Your safety comes first" : "Before anything else";
  const resources = result.resources || [];
  // The first paragraph, then the people to call or text, then the rest of the message.
  const [lead, ...rest] = withoutResourceList(result.message, resources.length > 0).split("\n\n");
  $("safety-lead").textContent = lead;
  const body = $("safety-message");
  clear(body);
  body.append(renderMarkdown(rest.join("\n\n"), { headingOffset: 1 }));
  body.hidden = rest.length === 0;
  const list = $("safety-resources");
  clear(list);
  for (const item of resources) list.append(resourceCard(item));
  // If someone may check this device, the conversation can go at once.
  $("safety-delete").hidden = !canDelete;
  banner.hidden = false;
  banner.setAttribute("data-level", result.level);
  banner.tabIndex = -1;
  window.scrollTo({ top: 0, behavior: "instant" }); // at once, cutting short any smooth scroll under way
  banner.focus({ preventScroll: true });
  return true;
}

export function wireSafety() {
  $("safety-hide").addEventListener("click", () => {
    banner.hidden = true;
    $("main").focus();
  });
}
