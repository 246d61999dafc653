/* Softstart's page: Rewrite, Chat and Ask, talking only to this server.
 *
 * Every text from the user or the server reaches the page through textContent or DOM nodes built
 * here; no string is ever parsed as HTML.
 */
(function () {
  "use strict";

  const CHAT_STORAGE_KEY = "softstart.chat.session";
  const TABS = ["rewrite", "chat", "ask"];

  const $ = (id) => document.getElementById(id);
  const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // ------------------------------------------------------------------ DOM helpers
  function el(tag, options, children) {
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

  function clear(node) {
    node.replaceChildren();
  }

  function scrollIntoViewGently(node, block) {
    node.scrollIntoView({ behavior: reducedMotion() ? "auto" : "smooth", block: block || "nearest" });
  }

  function announce(statusNode, message) {
    statusNode.textContent = "";
    window.setTimeout(() => { statusNode.textContent = message; }, 50);
  }

  function showError(node, message) {
    node.textContent = message;
    node.hidden = !message;
  }

  function humanize(kind) {
    return String(kind || "").replace(/[_-]+/g, " ").trim();
  }

  // Python counts characters by code point, JavaScript strings by UTF-16 unit.
  function codePointSlice(chars, start, end) {
    return chars.slice(start, end).join("");
  }

  // ------------------------------------------------------------------ talking to the server
  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  function detailText(detail) {
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail.map((item) => (item && typeof item === "object" ? item.msg || "" : String(item))).filter(Boolean).join("; ");
    }
    return "";
  }

  async function errorFrom(response) {
    let detail = "";
    try {
      detail = detailText((await response.json()).detail);
    } catch (_) {
      detail = "";
    }
    const status = response.status;
    if (status === 429) {
      const wait = parseInt(response.headers.get("Retry-After") || "", 10);
      const when = Number.isFinite(wait) ? `about ${wait} second${wait === 1 ? "" : "s"}` : "a little while";
      return new ApiError(`That was a lot in a short time. Please wait ${when}, then try again.`, status);
    }
    if (status === 413) return new ApiError("That is too long to send in one go. Try a shorter part.", status);
    if (status === 422) return new ApiError(detail ? `Please check what you wrote: ${detail}.` : "Please check what you wrote.", status);
    if (status === 503) return new ApiError(detail ? `Softstart isn't ready: ${detail}.` : "Softstart is still starting. Try again in a moment.", status);
    if (status === 404) return new ApiError(detail || "Not found.", status);
    return new ApiError("Something went wrong on Softstart's side. Please try again.", status);
  }

  async function send(method, url, { body, token, accept } = {}) {
    const headers = { Accept: accept || "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "same-origin",
      });
    } catch (_) {
      throw new ApiError("Softstart can't be reached right now. Check that it is running, then try again.", 0);
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  async function sendJSON(method, url, options) {
    const response = await send(method, url, options);
    return response.status === 204 ? null : response.json();
  }

  // ------------------------------------------------------------------ Markdown, safely
  // Blocks: headings, paragraphs, lists, quotes. Inline: **bold**, *em*, `code`, links, [n] citations.
  const INLINE = /(\*\*([^*]+?)\*\*)|(__([^_]+?)__)|(`([^`]+?)`)|(\[([^\]]+?)\]\((https?:\/\/[^\s)]+|mailto:[^\s)]+)\))|(\[(\d{1,2})\])|(\*([^*\s][^*]*?)\*)|(\b_([^_\s][^_]*?)_\b)/g;

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
        const citation = options && options.cite ? options.cite(Number(match[11])) : null;
        fragment.append(citation || document.createTextNode(match[10]));
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

  function renderMarkdown(text, options) {
    const fragment = document.createDocumentFragment();
    const lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      if (!line.trim()) { i += 1; continue; }
      const heading = /^(#{1,6})\s+(.*)$/.exec(line);
      if (heading) {
        const level = Math.min(6, heading[1].length + ((options && options.headingOffset) || 2));
        fragment.append(el(`h${Math.min(level, 6)}`, {}, [inline(heading[2].trim(), options)]));
        i += 1;
        continue;
      }
      const bullet = /^\s*[-*+•]\s+/;
      const numbered = /^\s*\d+[.)]\s+/;
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
          list.append(el("li", {}, [withLineBreaks(itemLines, options)]));
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
        fragment.append(el("blockquote", {}, [renderMarkdown(quoted.join("\n"), options)]));
        continue;
      }
      const paragraph = [];
      while (i < lines.length && lines[i].trim() && !/^(#{1,6})\s+/.test(lines[i]) && !bullet.test(lines[i]) &&
             !numbered.test(lines[i]) && !/^\s*>/.test(lines[i])) {
        paragraph.push(lines[i]);
        i += 1;
      }
      fragment.append(el("p", {}, [withLineBreaks(paragraph, options)]));
    }
    return fragment;
  }

  // ------------------------------------------------------------------ tabs
  const tabButtons = TABS.map((name) => $(`tab-${name}`));

  function selectTab(name, { focus = false, updateHash = true } = {}) {
    if (!TABS.includes(name)) name = "rewrite";
    TABS.forEach((tab, index) => {
      const selected = tab === name;
      const button = tabButtons[index];
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
      $(`panel-${tab}`).hidden = !selected;
    });
    if (focus) tabButtons[TABS.indexOf(name)].focus();
    if (updateHash && window.location.hash !== `#${name}`) {
      window.history.replaceState(null, "", `#${name}`);
    }
    if (name === "chat") chat.ensureLoaded();
  }

  tabButtons.forEach((button, index) => {
    button.addEventListener("click", () => selectTab(TABS[index]));
    button.addEventListener("keydown", (event) => {
      let target = null;
      if (event.key === "ArrowRight") target = (index + 1) % TABS.length;
      else if (event.key === "ArrowLeft") target = (index - 1 + TABS.length) % TABS.length;
      else if (event.key === "Home") target = 0;
      else if (event.key === "End") target = TABS.length - 1;
      if (target !== null) {
        event.preventDefault();
        selectTab(TABS[target], { focus: true });
      }
    });
  });

  window.addEventListener("hashchange", () => {
    const name = window.location.hash.slice(1);
    if (TABS.includes(name)) selectTab(name, { updateHash: false });
  });

  // ------------------------------------------------------------------ examples
  document.querySelectorAll("[data-example-for]").forEach((chip) => {
    chip.addEventListener("click", () => {
      const field = $(chip.dataset.exampleFor);
      field.value = chip.textContent.trim();
      field.focus();
      field.setSelectionRange(field.value.length, field.value.length);
    });
  });

  // ------------------------------------------------------------------ copying
  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (_) { /* fall through to the old way */ }
    }
    const scratch = el("textarea", { attrs: { readonly: "", "aria-hidden": "true" } });
    scratch.value = text;
    scratch.style.position = "fixed";
    scratch.style.opacity = "0";
    document.body.append(scratch);
    scratch.select();
    let copied = false;
    try { copied = document.execCommand("copy"); } catch (_) { copied = false; }
    scratch.remove();
    return copied;
  }

  function copyButton(getText, statusNode, label) {
    const button = el("button", { className: "button button-quiet button-small", text: label || "Copy", attrs: { type: "button" } });
    wireCopy(button, getText, statusNode);
    return button;
  }

  function wireCopy(button, getText, statusNode) {
    const label = button.textContent;
    button.addEventListener("click", async () => {
      const ok = await copyText(getText());
      button.textContent = ok ? "Copied" : "Select and copy it yourself";
      announce(statusNode, ok ? "Copied. You can paste it into your message now." : "Copying did not work here; select the text and copy it.");
      window.setTimeout(() => { button.textContent = label; }, 2500);
    });
  }

  // ------------------------------------------------------------------ safety banner
  const safety = {
    banner: $("safety-banner"),

    contactLinks(contact) {
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
    },

    resource(item) {
      const links = this.contactLinks(item.contact || "");
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
    },

    // The message lists the resources as text; they are shown below it as cards with call and text links.
    withoutResourceList(message, listedBelow) {
      const text = String(message || "It sounds like things are really hard right now. You deserve support from a person.");
      if (!listedBelow) return text;
      return text.split(/\n\s*\n/)
        .map((paragraph) => paragraph.split("\n").filter((line) => !/^\s*[-*•]\s/.test(line)).join("\n").trim())
        .filter((paragraph) => paragraph && !/:$/.test(paragraph))
        .join("\n\n");
    },

    show(result) {
      if (!result || !result.level || result.level === "none") return false;
      $("safety-title").textContent = result.level === "crisis" ? "Your safety comes first" : "Before anything else";
      const resources = result.resources || [];
      // The first paragraph, then the people to call or text, then the rest of the message.
      const [lead, ...rest] = this.withoutResourceList(result.message, resources.length > 0).split("\n\n");
      $("safety-lead").textContent = lead;
      const body = $("safety-message");
      clear(body);
      body.append(renderMarkdown(rest.join("\n\n")));
      body.hidden = rest.length === 0;
      const list = $("safety-resources");
      clear(list);
      for (const item of resources) list.append(this.resource(item));
      // If someone may check this device, the conversation can go at once.
      $("safety-delete").hidden = !chat.session();
      this.banner.hidden = false;
      this.banner.setAttribute("data-level", result.level);
      this.banner.tabIndex = -1;
      window.scrollTo({ top: 0, behavior: "instant" }); // at once, cutting short any smooth scroll under way
      this.banner.focus({ preventScroll: true });
      return true;
    },
  };
  $("safety-hide").addEventListener("click", () => {
    safety.banner.hidden = true;
    $("main").focus();
  });

  // ------------------------------------------------------------------ articles
  const articles = {
    dialog: $("article-dialog"),
    opener: null,

    url(sourceId) {
      return "/v1/articles/" + String(sourceId).split("/").map(encodeURIComponent).join("/");
    },

    async open(source, opener) {
      this.opener = opener || document.activeElement;
      $("article-title").textContent = source.title || "Article";
      $("article-source").textContent = source.source ? `From ${source.source}` : "";
      const body = $("article-body");
      clear(body);
      body.append(el("p", { className: "hint", text: "Opening the article…" }));
      if (!this.dialog.open) this.dialog.showModal();
      $("article-close").focus();
      try {
        if (!source.source_id) throw new ApiError("This source has no article to open.", 404);
        const article = await sendJSON("GET", this.url(source.source_id));
        $("article-title").textContent = article.title;
        $("article-source").textContent = article.source ? `From ${article.source}` : "";
        clear(body);
        const text = String(article.text || "").replace(/^\s*#\s+.*\n/, ""); // the title is shown above
        body.append(renderMarkdown(text, { headingOffset: 1 }));
        body.scrollTop = 0;
        this.dialog.scrollTop = 0;
      } catch (error) {
        clear(body);
        body.append(el("p", { className: "form-error", text: `The whole article could not be opened. ${error.message}` }));
        if (source.passage) {
          body.append(el("p", { className: "hint", text: "The passage that was cited:" }), el("blockquote", { text: source.passage }));
        }
      }
    },

    close() {
      if (this.dialog.open) this.dialog.close();
    },
  };
  $("article-close").addEventListener("click", () => articles.close());
  articles.dialog.addEventListener("click", (event) => {
    if (event.target === articles.dialog) articles.close(); // a click on the backdrop
  });
  articles.dialog.addEventListener("close", () => {
    if (articles.opener && document.contains(articles.opener)) articles.opener.focus();
  });

  function sourceButton(source, label) {
    const button = el("button", { className: "source-open", text: label || source.title, attrs: { type: "button" } });
    button.addEventListener("click", () => articles.open(source, button));
    return button;
  }

  // ------------------------------------------------------------------ Rewrite
  const rewrite = {
    form: $("rewrite-form"),
    submit: $("rewrite-submit"),
    error: $("rewrite-error"),
    status: $("rewrite-status"),
    result: $("rewrite-result"),
    tooltip: $("flag-tooltip"),
    flags: [],
    activeMark: null,
    pinned: false,
    hideTimer: 0,

    async run(event) {
      event.preventDefault();
      const message = $("rewrite-message").value.trim();
      showError(this.error, "");
      if (!message) {
        showError(this.error, "Write the message you want to send first, or pick an example.");
        $("rewrite-message").focus();
        return;
      }
      const body = { message, sender_role: $("rewrite-role").value };
      const context = $("rewrite-context").value.trim();
      if (context) body.context = context;
      this.submit.disabled = true;
      this.submit.textContent = "Checking…";
      announce(this.status, "Checking your message…");
      try {
        const data = await sendJSON("POST", "/v1/rewrite", { body });
        this.render(data);
      } catch (error) {
        showError(this.error, error.message);
      } finally {
        this.submit.disabled = false;
        this.submit.textContent = "Check my message";
      }
    },

    render(data) {
      this.hideTip(true);
      const stopped = safety.show(data.safety) && data.rewrite === null;
      if (stopped) {
        this.result.hidden = true;
        announce(this.status, "Safety information is shown at the top of the page.");
        return;
      }
      const fine = Boolean(data.unchanged) && (data.flags || []).length === 0;
      $("rewrite-fine").hidden = !fine;
      this.renderOriginal(data.original, data.flags || []);

      const softened = $("rewrite-softened-block");
      softened.hidden = fine || !data.rewrite;
      $("rewrite-softened-title").textContent = data.unchanged ? "Your message, ready to send" : "Try sending this instead";
      $("rewrite-softened").textContent = data.rewrite || "";

      const alternatives = $("rewrite-alternatives");
      clear(alternatives);
      for (const alternative of data.alternatives || []) {
        alternatives.append(el("li", { className: "alternative" }, [
          el("p", { className: "alternative-tone", text: humanize(alternative.tone) }),
          el("p", { className: "alternative-text", text: alternative.text }),
          copyButton(() => alternative.text, this.status),
        ]));
      }
      $("rewrite-alternatives-block").hidden = !(data.alternatives || []).length;

      $("rewrite-pattern").textContent = data.pattern || "";
      const noteText = [data.note, data.language_supported === false ? "Softstart reads English best, so this check may miss things in other languages." : ""]
        .filter(Boolean).join(" ");
      $("rewrite-note").textContent = noteText;
      $("rewrite-note").hidden = !noteText;
      $("rewrite-pattern-block").hidden = !data.pattern && !noteText;
      $("rewrite-pattern").hidden = !data.pattern;

      const changes = $("rewrite-changes");
      clear(changes);
      for (const change of data.explanation || []) {
        changes.append(el("li", {}, [
          el("p", { className: "change-before", text: change.before }),
          el("p", { className: "change-after", text: change.after }),
          el("p", { className: "change-why", text: change.why }),
        ]));
      }
      $("rewrite-changes-block").hidden = fine || !(data.explanation || []).length;

      this.result.hidden = false;
      const flagCount = (data.flags || []).length;
      announce(this.status, fine ? "Your message is already fine." :
        `Done. ${flagCount} spot${flagCount === 1 ? "" : "s"} might land hard; a softer version is below.`);
      this.result.focus({ preventScroll: true });
      scrollIntoViewGently(fine ? $("rewrite-fine") : $("rewrite-original-block"), "start");
    },

    renderOriginal(original, flags) {
      const target = $("rewrite-original");
      const list = $("rewrite-flag-list");
      clear(target);
      clear(list);
      const chars = Array.from(original || "");
      // Highlight spans that match the text and do not overlap an earlier one.
      const placed = [];
      flags.forEach((flag, index) => {
        let [start, end] = flag.span || [0, 0];
        if (codePointSlice(chars, start, end) !== flag.text) {
          const at = chars.join("").indexOf(flag.text);
          if (at < 0 || !flag.text) return;
          start = Array.from(chars.join("").slice(0, at)).length;
          end = start + Array.from(flag.text).length;
        }
        if (placed.some((p) => start < p.end && end > p.start)) return;
        placed.push({ start, end, index });
      });
      placed.sort((a, b) => a.start - b.start);
      this.flags = flags;

      let cursor = 0;
      for (const { start, end, index } of placed) {
        if (start > cursor) target.append(document.createTextNode(codePointSlice(chars, cursor, start)));
        const mark = el("mark", {
          className: "flag",
          text: codePointSlice(chars, start, end),
          attrs: { tabindex: "0", "data-flag": index, "aria-describedby": `flag-desc-${index}` },
        });
        this.wireMark(mark);
        target.append(mark);
        cursor = end;
      }
      if (cursor < chars.length) target.append(document.createTextNode(codePointSlice(chars, cursor, chars.length)));

      flags.forEach((flag, index) => {
        list.append(el("li", { attrs: { id: `flag-desc-${index}` } }, [
          el("p", { className: "flag-why" }, [
            el("span", { className: "flag-quote", text: `“${flag.text}”` }),
            document.createTextNode(` (${humanize(flag.kind)}): ${flag.why}`),
          ]),
          el("p", { className: "flag-antidote", text: `Instead: ${flag.antidote}` }),
        ]));
      });
      $("rewrite-flag-details").hidden = flags.length === 0;
      $("rewrite-flag-details").open = false;
      $("rewrite-flag-help").hidden = placed.length === 0;
    },

    wireMark(mark) {
      mark.addEventListener("mouseenter", () => this.showTip(mark));
      mark.addEventListener("mouseleave", () => this.scheduleHide());
      mark.addEventListener("focus", () => this.showTip(mark));
      mark.addEventListener("blur", () => this.scheduleHide());
      mark.addEventListener("click", (event) => {
        event.stopPropagation();
        if (this.activeMark === mark && this.pinned) this.hideTip(true);
        else { this.showTip(mark); this.pinned = true; }
      });
      mark.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          this.showTip(mark);
          this.pinned = true;
        }
      });
    },

    showTip(mark) {
      window.clearTimeout(this.hideTimer);
      const flag = this.flags[Number(mark.dataset.flag)];
      if (!flag) return;
      if (this.activeMark && this.activeMark !== mark) this.activeMark.classList.remove("is-active");
      this.activeMark = mark;
      this.pinned = false;
      mark.classList.add("is-active");
      const tip = this.tooltip;
      clear(tip);
      tip.append(
        el("p", { className: "tip-kind", text: humanize(flag.kind) }),
        el("p", { text: flag.why }),
        el("p", {}, [el("strong", { text: "Try instead: " }), document.createTextNode(flag.antidote)]),
      );
      tip.hidden = false;
      this.placeTip(mark);
    },

    placeTip(mark) {
      const tip = this.tooltip;
      const box = tip.parentElement.getBoundingClientRect();
      const rects = mark.getClientRects();
      const rect = rects.length ? rects[rects.length - 1] : mark.getBoundingClientRect();
      const left = Math.max(0, Math.min(rect.left - box.left, box.width - tip.offsetWidth));
      tip.style.left = `${left}px`;
      tip.style.top = `${rect.bottom - box.top + 6}px`;
    },

    scheduleHide() {
      window.clearTimeout(this.hideTimer);
      this.hideTimer = window.setTimeout(() => {
        const overTip = this.tooltip.matches(":hover");
        const focused = this.activeMark && document.activeElement === this.activeMark;
        if (!overTip && !focused && !this.pinned) this.hideTip(true);
      }, 200);
    },

    hideTip(force) {
      window.clearTimeout(this.hideTimer);
      if (!force && this.pinned) return;
      this.tooltip.hidden = true;
      this.pinned = false;
      if (this.activeMark) this.activeMark.classList.remove("is-active");
      this.activeMark = null;
    },
  };
  rewrite.form.addEventListener("submit", (event) => rewrite.run(event));
  rewrite.tooltip.addEventListener("mouseleave", () => rewrite.scheduleHide());
  wireCopy($("rewrite-copy"), () => $("rewrite-softened").textContent, rewrite.status);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !rewrite.tooltip.hidden) rewrite.hideTip(true);
  });
  document.addEventListener("click", (event) => {
    if (!rewrite.tooltip.hidden && !rewrite.tooltip.contains(event.target)) rewrite.hideTip(true);
  });
  window.addEventListener("resize", () => {
    if (rewrite.activeMark && !rewrite.tooltip.hidden) rewrite.placeTip(rewrite.activeMark);
  });

  // ------------------------------------------------------------------ server-sent events over fetch
  async function readEvents(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const dispatch = (block) => {
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (!line || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
      }
      if (data.length) onEvent(name, data.join("\n"));
    };
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
      buffer = buffer.replace(/\r\n?/g, "\n");
      let split;
      while ((split = buffer.indexOf("\n\n")) >= 0) {
        dispatch(buffer.slice(0, split));
        buffer = buffer.slice(split + 2);
      }
      if (done) break;
    }
    if (buffer.trim()) dispatch(buffer);
  }

  // ------------------------------------------------------------------ Chat
  const chat = {
    form: $("chat-form"),
    input: $("chat-message"),
    sendButton: $("chat-send"),
    deleteButton: $("chat-delete"),
    log: $("chat-log"),
    error: $("chat-error"),
    status: $("chat-status"),
    dialog: $("delete-dialog"),
    loaded: false,
    busy: false,

    session() {
      try {
        const stored = JSON.parse(window.localStorage.getItem(CHAT_STORAGE_KEY) || "null");
        return stored && typeof stored.id === "string" && typeof stored.token === "string" ? stored : null;
      } catch (_) {
        return null;
      }
    },

    remember(session) {
      if (session) window.localStorage.setItem(CHAT_STORAGE_KEY, JSON.stringify({ id: session.id, token: session.token }));
      else window.localStorage.removeItem(CHAT_STORAGE_KEY);
      this.deleteButton.hidden = !session;
    },

    sessionUrl(session, suffix) {
      return `/v1/sessions/${encodeURIComponent(session.id)}${suffix || ""}`;
    },

    refreshEmpty() {
      const empty = this.log.children.length === 0;
      $("chat-empty").hidden = !empty;
      $("chat-examples").hidden = !empty;
    },

    bubble(role, text, { markdown = false } = {}) {
      const body = markdown ? el("div", { className: "bubble-text prose" }, [renderMarkdown(text)]) : el("p", { className: "bubble-text", text });
      const item = el("li", { className: `bubble bubble-${role}` }, [
        el("p", { className: "bubble-who", text: role === "user" ? "You" : "Coach" }),
        body,
      ]);
      this.log.append(item);
      this.refreshEmpty();
      return item;
    },

    async ensureLoaded() {
      if (this.loaded) return;
      this.loaded = true;
      const session = this.session();
      this.deleteButton.hidden = !session;
      if (!session) { this.refreshEmpty(); return; }
      try {
        const history = await sendJSON("GET", this.sessionUrl(session, "/messages"), { token: session.token });
        clear(this.log);
        for (const message of history.messages || []) {
          this.bubble(message.role === "user" ? "user" : "coach", message.text, { markdown: message.role !== "user" });
        }
        this.refreshEmpty();
        if (this.log.lastElementChild) scrollIntoViewGently(this.log.lastElementChild);
      } catch (error) {
        if (error.status === 404) {
          this.remember(null);
          clear(this.log);
          this.refreshEmpty();
          announce(this.status, "Your earlier conversation is no longer available. You can start a new one.");
        } else {
          this.loaded = false; // try again next time
          showError(this.error, `Your conversation could not be loaded. ${error.message}`);
        }
      }
    },

    async startSession() {
      const created = await sendJSON("POST", "/v1/sessions");
      this.remember(created);
      return created;
    },

    async run(event) {
      event.preventDefault();
      if (this.busy) return;
      const text = this.input.value.trim();
      showError(this.error, "");
      if (!text) {
        showError(this.error, "Write something to the coach first, or pick an example.");
        this.input.focus();
        return;
      }
      this.busy = true;
      this.sendButton.disabled = true;
      this.sendButton.textContent = "Sending…";
      const userBubble = this.bubble("user", text);
      this.input.value = "";
      const reply = this.bubble("coach", "");
      reply.setAttribute("aria-busy", "true");
      const replyText = reply.querySelector(".bubble-text");
      replyText.classList.add("writing");
      replyText.textContent = "The coach is writing";
      scrollIntoViewGently(reply);
      try {
        let session = this.session() || await this.startSession();
        let response;
        try {
          response = await this.post(session, text);
        } catch (error) {
          if (error.status !== 404) throw error;
          // The conversation was deleted elsewhere: start a new one with this message.
          clear(this.log);
          this.log.append(userBubble, reply);
          session = await this.startSession();
          response = await this.post(session, text);
        }
        await this.receive(response, reply, replyText);
      } catch (error) {
        reply.remove();
        this.input.value = text;
        if (error.status !== 503) userBubble.remove(); // a 503 keeps the message: the server saved it
        this.refreshEmpty();
        showError(this.error, error.message);
        this.input.focus();
      } finally {
        this.busy = false;
        this.sendButton.disabled = false;
        this.sendButton.textContent = "Send";
      }
    },

    post(session, text) {
      return send("POST", this.sessionUrl(session, "/messages"), { body: { text }, token: session.token, accept: "text/event-stream" });
    },

    async receive(response, reply, replyText) {
      const type = response.headers.get("Content-Type") || "";
      let turn = null;
      if (type.includes("text/event-stream")) {
        let started = false;
        await readEvents(response, (name, data) => {
          let payload;
          try { payload = JSON.parse(data); } catch (_) { return; }
          if (name === "delta" && typeof payload.text === "string") {
            if (!started) {
              started = true;
              replyText.classList.remove("writing");
              replyText.textContent = "";
            }
            replyText.textContent += payload.text;
          } else if (name === "done") {
            turn = payload;
          } else if (name === "error") {
            throw new ApiError(detailText(payload.detail) || "The coach could not finish the reply. Please try again.", 503);
          }
        });
      } else {
        turn = await response.json();
      }
      if (!turn) throw new ApiError("The reply was cut off. Please try again.", 0);
      this.finish(turn, reply);
    },

    finish(turn, reply) {
      reply.replaceChildren(
        el("p", { className: "bubble-who", text: "Coach" }),
        el("div", { className: "bubble-text prose" }, [renderMarkdown(turn.reply ? turn.reply.text : "")]),
      );
      if (turn.rewrite && turn.rewrite.rewrite) {
        const r = turn.rewrite;
        reply.append(el("div", { className: "bubble-extra" }, [
          el("h3", { text: r.unchanged ? "Your draft already reads gently" : "A softer way to send it" }),
          el("p", { className: "softened-text", text: r.rewrite }),
          copyButton(() => r.rewrite, this.status),
        ]));
      }
      const seen = new Set();
      const sources = (turn.sources || []).filter((s) => s.source_id && !seen.has(s.source_id) && seen.add(s.source_id));
      if (sources.length) {
        reply.append(el("div", { className: "bubble-extra" }, [
          el("h3", { text: "Read more" }),
          el("ul", { className: "source-links" }, sources.map((s) => el("li", {}, [sourceButton(s)]))),
        ]));
      }
      reply.removeAttribute("aria-busy");
      if (turn.safety && turn.safety.level !== "none") {
        reply.classList.add("bubble-safety");
        safety.show(turn.safety);
      }
      this.remember(this.session()); // shows the delete button
    },

    askDelete() {
      if (!this.session()) return;
      this.dialog.showModal();
      $("delete-cancel").focus();
    },

    async confirmDelete() {
      const session = this.session();
      const button = $("delete-confirm");
      button.disabled = true;
      try {
        if (session) {
          try {
            await send("DELETE", this.sessionUrl(session), { token: session.token });
          } catch (error) {
            if (error.status !== 404) throw error; // already gone is what we wanted
          }
        }
        this.remember(null);
        clear(this.log);
        this.refreshEmpty();
        $("safety-delete").hidden = true;
        this.dialog.close();
        showError(this.error, "");
        announce(this.status, "The conversation was deleted.");
        this.input.focus();
      } catch (error) {
        this.dialog.close();
        showError(this.error, `The conversation could not be deleted. ${error.message}`);
      } finally {
        button.disabled = false;
      }
    },
  };
  chat.form.addEventListener("submit", (event) => chat.run(event));
  // On a phone's keyboard Enter is the way to start a new line; there the Send button sends.
  const enterSends = () => !window.matchMedia("(pointer: coarse)").matches;
  if (!enterSends()) $("chat-message-hint").textContent = "Tap Send when you are ready.";
  chat.input.addEventListener("keydown", (event) => {
    if (enterSends() && event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey && !event.isComposing) {
      event.preventDefault();
      chat.form.requestSubmit();
    }
  });
  chat.deleteButton.addEventListener("click", () => chat.askDelete());
  $("safety-delete").addEventListener("click", () => chat.askDelete());
  $("delete-cancel").addEventListener("click", () => { chat.dialog.close(); chat.deleteButton.focus(); });
  $("delete-confirm").addEventListener("click", () => chat.confirmDelete());

  // ------------------------------------------------------------------ Ask
  const ask = {
    form: $("ask-form"),
    submit: $("ask-submit"),
    error: $("ask-error"),
    status: $("ask-status"),
    result: $("ask-result"),

    async run(event) {
      event.preventDefault();
      const question = $("ask-question").value.trim();
      showError(this.error, "");
      if (!question) {
        showError(this.error, "Write a question first, or pick an example.");
        $("ask-question").focus();
        return;
      }
      this.submit.disabled = true;
      this.submit.textContent = "Looking it up…";
      announce(this.status, "Looking for an answer…");
      try {
        const data = await sendJSON("POST", "/v1/ask", { body: { question } });
        this.render(data);
      } catch (error) {
        showError(this.error, error.message);
      } finally {
        this.submit.disabled = false;
        this.submit.textContent = "Ask";
      }
    },

    render(data) {
      const sources = data.sources || [];
      if (safety.show(data.safety) && !sources.length) {
        this.result.hidden = true;
        announce(this.status, "Safety information is shown at the top of the page.");
        return;
      }
      const answer = $("ask-answer");
      clear(answer);
      answer.append(renderMarkdown(data.answer, {
        cite: (n) => (n >= 1 && n <= sources.length ? this.citation(n) : null),
      }));
      const list = $("ask-sources");
      clear(list);
      sources.forEach((source, i) => list.append(this.card(source, i + 1)));
      $("ask-sources-block").hidden = !sources.length;
      this.result.hidden = false;
      announce(this.status, sources.length ? `Answer ready, with ${sources.length} source${sources.length === 1 ? "" : "s"}.` : "Answer ready.");
      this.result.focus({ preventScroll: true });
      scrollIntoViewGently(this.result, "start");
    },

    citation(n) {
      const link = el("a", { className: "cite", text: `[${n}]`, attrs: { href: `#ask-source-${n}`, "aria-label": `source ${n}` } });
      link.addEventListener("click", (event) => {
        event.preventDefault();
        const card = $(`ask-source-${n}`);
        document.querySelectorAll(".source-card.is-highlighted").forEach((c) => c.classList.remove("is-highlighted"));
        card.classList.add("is-highlighted");
        scrollIntoViewGently(card);
        card.querySelector(".source-open").focus({ preventScroll: true });
      });
      return link;
    },

    card(source, n) {
      const passage = String(source.passage || "").replace(/^\s*#{1,6}\s.*$/gm, "").replace(/\s+/g, " ").trim();
      const short = passage.length > 240 ? `${passage.slice(0, 240).replace(/\s+\S*$/, "")}…` : passage;
      return el("li", { className: "card source-card", attrs: { id: `ask-source-${n}` } }, [
        el("p", { className: "source-number", text: source.section ? `Source ${n} · ${source.section}` : `Source ${n}` }),
        el("h3", {}, [sourceButton(source)]),
        short ? el("p", { className: "source-passage", text: short }) : null,
        source.source ? el("p", { className: "source-meta", text: `From ${source.source}` }) : null,
      ]);
    },
  };
  ask.form.addEventListener("submit", (event) => ask.run(event));
  $("ask-question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ask.form.requestSubmit();
    }
  });

  // ------------------------------------------------------------------ start
  const initial = window.location.hash.slice(1);
  selectTab(TABS.includes(initial) ? initial : "rewrite", { updateHash: TABS.includes(initial) });
  document.documentElement.classList.add("js-ready");
})();
