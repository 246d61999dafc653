/* Markdown, safely: blocks (headings, paragraphs, lists, quotes) and inline **bold**, *em*, `code`,
 * links and [n] citations, built as DOM nodes. Also plain text from Markdown, for short passages. */
import { el } from "./dom.js";

const INLINE = /(\*\*([^*]+?)\*\*)|(__([^_]+?)__)|(`([^`]+?)`)|(\[([^\]]+?)\]\((https?:\/\/[^\s)]+|mailto:[^\s)]+)\))|(\s?\[(\d{1,2})\])|(\*([^*\s][^*]*?)\*)|(\b_([^_\s][^_]*?)_\b)/g;

function inline(text, options) {
  const fragment = document.createDocumentFragment();
  const pattern = new RegExp(INLINE.source, "g"); // its own: inline() recurses
  let last = 0;
  let match;
  while ((match = pattern.exec(text)) !== null) {
    if (match.index > last) fragment.append(document.createTextNode(text.slice(last, match.index)));
    if (match[2] !== undefined) fragment.append(el("strong", {}, [inline(match[2], options)]));
    else if (match[4] !== undefined) fragment.append(el("strong", {}, [inline(match[4], options)]));
    else if (match[6] !== undefined) fragment.append(el("code", { text: match[6] }));
    else if (match[8] !== undefined) {
      fragment.append(el("a", { text: match[8], attrs: { href: match[9], rel: "noopener noreferrer", target: "_blank" } }));
    } else if (match[11] !== undefined) {
      // a citation becomes a link to its source, or disappears: never a raw "[1]"
      const citation = options && options.cite ? options.cite(Number(match[11])) : null;
      if (citation) fragment.append(citation);
    } else if (match[13] !== undefined) fragment.append(el("em", {}, [inline(match[13], options)]));
    else if (match[15] !== undefined) fragment.append(el("em", {}, [inline(match[15], options)]));
    last = pattern.lastIndex;
  }
  if (last < text.length) fragment.append(document.createTextNode(text.slice(last)));
  return fragment;
}

function withLineBreaks(lines, options) {
  const fragment = document.createDocumentFragment();
  lines.forEach((line, i) => {
    if (i > 0) fragment.append(el("br"));
    fragment.append(inline(line.trim(), options));
  });
  return fragment;
}

// options: cite(n) -> node|null; headingOffset (default 2: "#" is an h3); headings: false renders
// headings as bold paragraphs (inside chat bubbles, where a heading would break the page's outline).
export function renderMarkdown(text, options) {
  const opts = options || {};
  const fragment = document.createDocumentFragment();
  const lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
  const bullet = /^\s*[-*+•]\s+/;
  const numbered = /^\s*\d+[.)]\s+/;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i += 1; continue; }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      if (opts.headings === false) {
        fragment.append(el("p", {}, [el("strong", {}, [inline(heading[2].trim(), opts)])]));
      } else {
        const level = Math.min(6, heading[1].length + (opts.headingOffset || 2));
        fragment.append(el(`h${level}`, {}, [inline(heading[2].trim(), opts)]));
      }
      i += 1;
      continue;
    }
    if (bullet.test(line) || numbered.test(line)) {
      const ordered = numbered.test(line) && !bullet.test(line);
      const pattern = ordered ? numbered : bullet;
      const list = el(ordered ? "ol" : "ul");
      while (i < lines.length && pattern.test(lines[i])) {
        const itemLines = [lines[i].replace(pattern, "")];
        i += 1;
        while (i < lines.length && lines[i].trim() && /^\s{2,}\S/.test(lines[i]) && !pattern.test(lines[i])) {
          itemLines.push(lines[i]);
          i += 1;
        }
        list.append(el("li", {}, [withLineBreaks(itemLines, opts)]));
      }
      fragment.append(list);
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quoted = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) {
        quoted.push(lines[i].replace(/^\s*>\s?/, ""));
        i += 1;
      }
      fragment.append(el("blockquote", {}, [renderMarkdown(quoted.join("\n"), opts)]));
      continue;
    }
    const paragraph = [];
    while (i < lines.length && lines[i].trim() && !/^(#{1,6})\s+/.test(lines[i]) && !bullet.test(lines[i]) &&
           !numbered.test(lines[i]) && !/^\s*>/.test(lines[i])) {
      paragraph.push(lines[i]);
      i += 1;
    }
    fragment.append(el("p", {}, [withLineBreaks(paragraph, opts)]));
  }
  return fragment;
}

// Plain text from Markdown: no headings, list or quote markers, emphasis, code ticks or link targets.
export function stripMarkdown(text) {
  return String(text || "")
    .replace(/\r\n?/g, "\n")
    .replace(/^\s*#{1,6}\s.*$/gm, "")
    .replace(/^\s*>\s?/gm, "")
    .replace(/^\s*(?:[-*+•]|\d+[.)])\s+/gm, "")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/\s?\[\d{1,2}\]/g, "")
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/(^|[^\w*])[*_]([^*_\s][^*_]*?)[*_](?=[^\w*]|$)/g, "$1$2")
    .replace(/`([^`]+)`/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

// A passage cut at a word to about `limit` characters, with any quote it opened closed again.
export function shortPassage(text, limit) {
  let short = text.length > limit ? `${text.slice(0, limit).replace(/\s+\S*$/, "")}…` : text;
  const opened = (short.match(/“/g) || []).length - (short.match(/”/g) || []).length;
  if (opened > 0) short += "”".repeat(opened);
  if ((short.match(/"/g) || []).length % 2 === 1) short += '"';
  return short;
}
