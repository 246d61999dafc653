/* A one-minute paced-breathing pause (in for 4 s, out for 6 s), offered before a suggestion when the
 * message reads as flooded. The circle only moves when motion is welcome; the words guide either way.
 * Skippable at any moment; onDone runs once, when the minute is up or on Skip. */
import { el, reducedMotion } from "./dom.js";

const SECONDS = 60;
const IN_S = 4;
const CYCLE_S = 10;

export function breathingPause(onDone, { seconds = SECONDS, heading = "h3" } = {}) {
  let left = seconds;
  let finished = false;
  const cue = el("p", { className: "breath-cue", text: "Breathe in…", attrs: { "aria-live": "off" } });
  const clock = el("p", { className: "breath-clock" });
  const circle = el("div", { className: `breath-circle${reducedMotion() ? " breath-still" : ""}`, attrs: { "aria-hidden": "true" } });
  const skip = el("button", { className: "button button-quiet", text: "Skip to the suggestion", attrs: { type: "button" } });
  const title = el(heading, { className: "breath-title", text: "First, one minute to breathe" });
  const box = el("section", { className: "card breathe", attrs: { "aria-label": "One minute to breathe" } }, [
    title,
    el("p", { className: "breath-lead", text: "Your message sounds flooded: your body is in alarm, and words written now tend to land hard. Breathe in for four, out for six, and the suggestion will be here." }),
    el("div", { className: "breath-row" }, [circle, el("div", {}, [cue, clock])]),
    el("div", { className: "actions" }, [skip]),
  ]);

  const render = () => {
    const elapsed = seconds - left;
    cue.textContent = elapsed % CYCLE_S < IN_S ? "Breathe in…" : "…and out, slowly";
    clock.textContent = `${left} second${left === 1 ? "" : "s"} left`;
  };
  const finish = () => {
    if (finished) return;
    finished = true;
    window.clearInterval(timer);
    box.remove();
    onDone();
  };
  const timer = window.setInterval(() => {
    left -= 1;
    if (left <= 0) finish();
    else render();
  }, 1000);
  skip.addEventListener("click", finish);
  render();
  return { node: box, finish, skip };
}
