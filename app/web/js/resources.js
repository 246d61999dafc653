/* A help line as a card with call and text links (tel:, sms:), shared by the safety banner and "Need help now?". */
import { el } from "./dom.js";

function contactLinks(contact) {
  const links = [];
  const pattern = /\b(call or text|text or call|call|text)\s+(?:([A-Za-z]+)\s+to\s+)?(\+?\d[\d\s().-]*\d|\d)/gi;
  let match;
  while ((match = pattern.exec(contact)) !== null) {
    const verb = match[1].toLowerCase();
    const keyword = match[2];
    const shown = match[3].trim();
    const number = shown.replace(/[^\d+]/g, "");
    if (verb.includes("call")) {
      links.push(el("a", { className: "button button-primary", text: `Call ${shown}`, attrs: { href: `tel:${number}` } }));
    }
    if (verb.includes("text")) {
      const href = keyword ? `sms:${number}?body=${encodeURIComponent(keyword)}` : `sms:${number}`;
      const label = keyword ? `Text ${keyword} to ${shown}` : `Text ${shown}`;
      links.push(el("a", { className: "button button-quiet", text: label, attrs: { href } }));
    }
  }
  return links;
}

export function resourceCard(item) {
  const links = contactLinks(item.contact || "");
  const hasPhone = links.length > 0;
  let site = null;
  if (item.url && /^https:\/\//i.test(item.url)) {
    const host = new URL(item.url).hostname.replace(/^www\./, "");
    site = el("a", { className: "safety-site", text: host, attrs: { href: item.url, rel: "noopener noreferrer", target: "_blank" } });
  }
  return el("li", { className: "safety-resource" }, [
    el("p", { className: "safety-resource-name" }, [
      document.createTextNode(item.name),
      el("span", { className: "safety-resource-contact", text: `: ${item.contact}`, attrs: { hidden: hasPhone ? "" : null } }),
    ]),
    item.description ? el("p", { className: "safety-resource-description" }, [
      document.createTextNode(item.description),
      site ? document.createTextNode(" ") : null,
      site,
    ]) : site,
    links.length ? el("div", { className: "safety-links" }, links) : null,
  ]);
}
