// Small progressive enhancements; every page works without them.

// Copy buttons: data-copy names the element whose text is copied.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  try {
    await navigator.clipboard.writeText(source.innerText.trim());
    button.textContent = "Copied";
  } catch {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = "Selected: press Ctrl+C";
  }
  setTimeout(() => { button.textContent = label; }, 2000);
});

// The ticket page swaps #ticket-main after every action. Two things a person would otherwise
// lose in that swap: what they typed in the other cards' forms, and sight of the result.
// Set before a swap of #ticket-main, used once it has settled.
let pending = null;

function formFor(root, path) {
  if (!root || !path) return null;
  const owner = [...root.querySelectorAll("form[action], [formaction]")].find(
    (el) => (el.getAttribute("formaction") || el.getAttribute("action")) === path,
  );
  return owner ? owner.closest("form") : null;
}

function editedFields(form) {
  // What the person changed from what the page showed them; untouched fields take the
  // server's fresh values.
  const edited = [];
  for (const el of form.elements) {
    if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button") continue;
    if (el.closest("[data-filled]")) {
      edited.push({ name: el.name, value: el.value, checked: el.checked });
    } else if (el.type === "checkbox" || el.type === "radio") {
      if (el.checked !== el.defaultChecked) edited.push({ name: el.name, value: el.value, checked: el.checked });
    } else if (el.tagName === "SELECT") {
      // With no option marked selected, a single select shows its first one.
      const options = [...el.options];
      const shown = options.find((o) => o.defaultSelected) || (el.multiple ? null : options[0]);
      const changed = el.multiple
        ? options.some((o) => o.selected !== o.defaultSelected)
        : el.selectedOptions[0] !== shown;
      if (changed) edited.push({ name: el.name, value: el.value });
    } else if (el.value !== el.defaultValue) {
      edited.push({ name: el.name, value: el.value });
    }
  }
  return edited;
}

// A field htmx filled in (a scenario's wording) counts as typed: it is what the person chose.
document.addEventListener("htmx:load", (event) => {
  const el = event.detail.elt;
  if (el && el.id !== "ticket-main" && el.closest && el.closest("#ticket-main form")) {
    el.setAttribute("data-filled", "");
  }
});

document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (!target || target.id !== "ticket-main") return;
  const path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
  const sent = formFor(target, path);
  const kept = [];
  for (const form of target.querySelectorAll("form[action]")) {
    if (form === sent) continue; // the server answers for the form that was sent
    const fields = editedFields(form);
    if (fields.length) kept.push({ action: form.getAttribute("action"), fields });
  }
  const card = sent && sent.closest("[aria-labelledby]");
  pending = { path, kept, card: card && card.getAttribute("aria-labelledby") };
});

function restoreTyped(main, kept) {
  for (const { action, fields } of kept) {
    const form = formFor(main, action);
    if (!form) continue;
    for (const field of fields) {
      const els = [...form.elements].filter((el) => el.name === field.name);
      for (const el of els) {
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.value === field.value) el.checked = field.checked;
        } else {
          el.value = field.value;
        }
      }
    }
    const details = form.closest("details");
    if (details) details.open = true;
  }
}

function showResult(main, state) {
  const feedback = main.querySelector("#messages");
  if (!feedback) return;
  const form = formFor(main, state.path);
  if (form) {
    const details = form.closest("details");
    if (details) details.open = details.open || !!form.querySelector(".errorlist, [data-focus], [data-error-summary]");
    const problem =
      form.querySelector("[data-focus]") ||
      form.querySelector("[data-error-summary]") ||
      form.querySelector(".errorlist[role=alert]") ||
      form.querySelector("[aria-invalid=true]");
    if (problem && !feedback.textContent.trim()) {
      if (!problem.matches("input, select, textarea, button")) problem.setAttribute("tabindex", "-1");
      problem.focus({ preventScroll: true });
      problem.scrollIntoView({ block: "center" });
      return;
    }
  }
  if (!feedback.textContent.trim()) return;
  let anchor = form && form.closest("details:not([open])") ? form.closest("details") : form;
  if (!anchor && state.card) {
    // The form has gone (resolving swaps Resolve for Reopen): show it at the top of its card.
    const card = main.querySelector(`[aria-labelledby="${state.card}"]`);
    anchor = card && card.querySelector("h2");
  }
  if (anchor) anchor.after(feedback);
  feedback.focus({ preventScroll: true });
  feedback.scrollIntoView({ block: "center" });
}

document.addEventListener("htmx:afterSettle", () => {
  const state = pending;
  const main = document.getElementById("ticket-main");
  if (!state || !main) return;
  pending = null;
  restoreTyped(main, state.kept);
  showResult(main, state);
});

// Other swapped fragments (the dashboard's quick-log): focus goes to the error summary when
// the form came back with errors, else to the result, never back to <body>.
function focusResult(root) {
  const target = root && (root.querySelector("[data-error-summary]") || root.querySelector("[data-focus-result]"));
  if (!target) return false;
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: "center" });
  return true;
}

let swapped = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (!target || target.id === "ticket-main") return;
  const active = document.activeElement;
  const inside = active && active !== document.body && target.contains(active);
  swapped = { id: target.id, focusId: inside ? active.id : null, hadFocus: inside };
});

document.addEventListener("htmx:afterSettle", () => {
  const state = swapped;
  swapped = null;
  if (!state) return;
  const root = document.getElementById(state.id);
  if (focusResult(root) || !state.hadFocus) return;
  // A refresh replaced what had focus (the dashboard after a ticket is logged): the same
  // element again, or the first field of the form it was in.
  const again = state.focusId && document.getElementById(state.focusId);
  const fallback = root && root.querySelector("input:not([type=hidden]), select, textarea");
  const next = again || fallback;
  if (next && document.activeElement !== next) next.focus({ preventScroll: true });
});

// A plain (no-htmx) post that came back with errors: the summary is read out first.
document.addEventListener("DOMContentLoaded", () => focusResult(document.getElementById("main")));

// An error summary's links: focus the field itself (with its label in view), as a click on a
// label would, rather than only scrolling to it.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-error-summary] a[href^='#']");
  if (!link) return;
  const field = document.getElementById(link.getAttribute("href").slice(1));
  if (!field) return;
  event.preventDefault();
  const details = field.closest("details:not([open])");
  if (details) details.open = true;
  const label = field.closest(".field") || field;
  label.scrollIntoView({ block: "center" });
  field.focus({ preventScroll: true });
});

// A wide table that scrolls sideways (a phone, a long report) must scroll by keyboard too:
// its wrapper becomes a named, focusable region, only while it overflows.
function scrollableTables(root) {
  for (const wrap of root.querySelectorAll(".table-wrap:not([tabindex])")) {
    if (wrap.scrollWidth <= wrap.clientWidth) continue;
    const table = wrap.querySelector("table");
    const caption = table && table.caption;
    const heading = wrap.closest("section, main")?.querySelector("h1, h2, h3");
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", (caption || heading)?.textContent.trim() || "Table");
  }
}
document.addEventListener("DOMContentLoaded", () => scrollableTables(document));
document.addEventListener("htmx:load", (event) => scrollableTables(event.detail.elt));
