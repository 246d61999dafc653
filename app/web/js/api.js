/* Talking to this server: JSON calls with human error messages, and server-sent events over fetch. */

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// The reader pressed Stop: not an error to show.
export class Stopped extends Error {}

export function detailText(detail) {
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

export async function send(method, url, { body, token, accept, signal, keepalive } = {}) {
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
      signal,
      keepalive: Boolean(keepalive),
    });
  } catch (_) {
    if (signal && signal.aborted) throw new Stopped("stopped");
    throw new ApiError("Softstart can't be reached right now. Check that it is running, then try again.", 0);
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

export async function sendJSON(method, url, options) {
  const response = await send(method, url, options);
  return response.status === 204 ? null : response.json();
}

// Calls onEvent(name, data) for each server-sent event as it arrives.
export async function readEvents(response, onEvent, signal) {
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
    let chunk;
    try {
      chunk = await reader.read();
    } catch (error) {
      if (signal && signal.aborted) throw new Stopped("stopped");
      throw error;
    }
    const { value, done } = chunk;
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
