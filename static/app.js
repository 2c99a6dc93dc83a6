// Okno's small progressive enhancements. Pages work without this script:
// keys, the confirmation dialog (the server asks on a page of its own) and
// drafts in the browser are extras on top.
"use strict";

// Forms with typed text not yet sent (see Drafts).
const dirtyForms = new Set();

function typingIn(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement || (target instanceof HTMLElement && target.isContentEditable);
}

// --- Keys ------------------------------------------------------------------
// Keys are matched by their place on the keyboard (event.code), so that they
// work in the Russian layout too, where the "/" key types ".".

function openKeysHelp() {
  const help = document.getElementById("keys-help");
  if (help && !help.open) help.showModal();
}

// moveInRegistry focuses the case link of the next or previous row.
function moveInRegistry(step) {
  const links = Array.from(document.querySelectorAll("table[data-keys=registry] tbody tr td:nth-child(2) a"));
  if (links.length === 0) return false;
  const current = links.findIndex((a) => a.closest("tr").contains(document.activeElement));
  const next = current < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, current + step));
  links[next].focus();
  links[next].closest("tr").scrollIntoView({ block: "nearest" });
  return true;
}

// focusActions goes to the card's first action: its comment, or its button.
function focusActions() {
  const first = document.querySelector("form.action textarea:not(details:not([open]) textarea), form.action summary, form.action button");
  if (!first) return false;
  first.focus();
  return true;
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
  let handled = false;
  if (event.code === "Slash" && event.shiftKey) {
    openKeysHelp();
    handled = true;
  } else if (event.code === "Slash" || event.key === "/") {
    const search = document.querySelector("input[type=search], form.filters input");
    if (search) {
      search.focus();
      handled = true;
    }
  } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    // Inside a dialog or a list of options the arrows keep their meaning.
    if (!document.querySelector("dialog[open]")) handled = moveInRegistry(event.key === "ArrowDown" ? 1 : -1);
  } else if (event.code === "KeyA" && !event.shiftKey) {
    handled = focusActions();
  }
  if (handled) event.preventDefault();
});

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-keys-help]")) {
    button.hidden = false;
    button.addEventListener("click", openKeysHelp);
  }
});

// --- Confirmation ----------------------------------------------------------
// A form marked data-confirm opens its dialog, which names what will happen;
// only "confirm" sends the form on, marked confirmed.

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method === "dialog") return;
  const dialogID = form.dataset.confirm;
  if (dialogID) {
    if (form.querySelector("input[name=confirmed]")) {
      dirtyForms.delete(form);
      return;
    }
    const dialog = document.getElementById(dialogID);
    if (!dialog) return; // the server asks on a page instead
    event.preventDefault();
    const comment = form.querySelector("textarea[name=to_applicant]");
    const quote = dialog.querySelector("[data-confirm-comment]");
    if (quote && comment) quote.textContent = comment.value.trim();
    dialog.returnValue = "";
    dialog.addEventListener("close", () => {
      if (dialog.returnValue !== "confirm") return;
      const confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirmed";
      confirmed.value = "1";
      form.append(confirmed);
      form.requestSubmit();
    }, { once: true });
    dialog.showModal();
    return;
  }
  // Ask before other actions marked as dangerous (disabling a user and the like).
  const button = event.submitter;
  if (button && button.classList.contains("danger") && !window.confirm("Вы уверены?")) {
    event.preventDefault();
  }
  // Sent on: the draft stays until the next page says the server kept it.
  if (!event.defaultPrevented) dirtyForms.delete(form);
});

// --- Drafts ----------------------------------------------------------------
// A form marked data-draft keeps what is typed in localStorage, under the
// user and the form, until the server says it is stored (a
// <meta name=okno-draft-saved>), the user logs out, or a day passes: the
// office's computers are shared, and applicants' data must not stay in them.
// The same draft is kept on the server (serverDraft), which restores it
// where the browser holds none and forgets it when the form is sent.

const draftPrefix = "okno.draft.";
const draftLifetime = 24 * 60 * 60 * 1000;

function draftKey(user, form) {
  return draftPrefix + user + "." + form;
}

function draftFields(form) {
  return Array.from(form.elements).filter((el) => el.name && el.name !== "confirmed" &&
    ((el instanceof HTMLInputElement && !["hidden", "file", "password", "submit", "button"].includes(el.type)) ||
      el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement));
}

function readDraft(form) {
  const values = {};
  let typed = false;
  for (const el of draftFields(form)) {
    if (el.type === "checkbox" || el.type === "radio") {
      if (el.checked) values[el.name + "=" + el.value] = true;
    } else {
      values[el.name] = el.value;
      if (el.value.trim() !== "") typed = true;
    }
  }
  return typed ? values : null;
}

// restoreDraft fills only what the page left empty: values the server sent
// back with a form (after a refused submit) win over the draft.
function restoreDraft(form, values) {
  let restored = false;
  for (const el of draftFields(form)) {
    if (el.type === "checkbox" || el.type === "radio") {
      if (!el.checked && values[el.name + "=" + el.value]) {
        el.checked = true;
        restored = true;
      }
    } else if (el.value === "" && typeof values[el.name] === "string" && values[el.name] !== "") {
      el.value = values[el.name];
      restored = true;
      const details = el.closest("details");
      if (details) details.open = true;
    }
  }
  return restored;
}

function noteRestored(form, at, where) {
  const note = form.querySelector("[data-draft-note]");
  if (!note) return;
  note.textContent = "Восстановлен черновик, не отправленный раньше (" +
    new Date(at).toLocaleString("ru-RU") + ", сохранён " + where + "). Он хранится в этом браузере и на сервере до отправки формы.";
  note.hidden = false;
}

// serverDraft keeps a form's draft on the server too (POST /drafts, a
// same-origin request the CSRF check accepts), a second after typing
// stops, so that a closed browser or another computer does not lose it;
// the server forgets it when the form is sent.
function serverDraft(formKey) {
  let timer = null;
  let pending = null;
  const send = (keepalive) => {
    if (pending === null) return;
    const body = new URLSearchParams({ key: formKey, values: JSON.stringify(pending) });
    pending = null;
    fetch("/drafts", { method: "POST", body, credentials: "same-origin", keepalive }).catch(() => {});
  };
  return {
    later(values) {
      pending = values;
      clearTimeout(timer);
      timer = setTimeout(() => send(false), 1000);
    },
    flush() {
      clearTimeout(timer);
      send(true);
    },
    cancel() {
      clearTimeout(timer);
      pending = null;
    },
    restore(form) {
      fetch("/drafts?" + new URLSearchParams({ key: formKey }), { credentials: "same-origin" })
        .then((r) => (r.status === 200 ? r.json() : null))
        .then((draft) => {
          if (draft && restoreDraft(form, draft.values)) noteRestored(form, draft.at, "на сервере");
        })
        .catch(() => {});
    },
  };
}

function forgetDrafts(user, prefix) {
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const key = localStorage.key(i);
    if (key && key.startsWith(draftPrefix + user + "." + prefix)) localStorage.removeItem(key);
  }
}

function setUpDrafts() {
  const user = document.body.dataset.user;
  if (!user) return;
  let storage;
  try {
    storage = window.localStorage;
  } catch {
    return; // storage switched off: the page still works, without drafts
  }
  for (const meta of document.querySelectorAll("meta[name=okno-draft-saved]")) {
    storage.removeItem(draftKey(user, meta.content));
  }
  for (let i = storage.length - 1; i >= 0; i--) {
    const key = storage.key(i);
    if (!key || !key.startsWith(draftPrefix)) continue;
    try {
      if (Date.now() - JSON.parse(storage.getItem(key)).at > draftLifetime) storage.removeItem(key);
    } catch {
      storage.removeItem(key);
    }
  }
  for (const form of document.querySelectorAll("form[data-draft]")) {
    const key = draftKey(user, form.dataset.draft);
    const server = serverDraft(form.dataset.draft);
    const saved = storage.getItem(key);
    if (saved) {
      try {
        const draft = JSON.parse(saved);
        if (restoreDraft(form, draft.values)) noteRestored(form, draft.at, "в этом браузере");
      } catch {
        storage.removeItem(key);
      }
    } else {
      server.restore(form);
    }
    form.addEventListener("input", () => {
      const values = readDraft(form);
      if (values) {
        storage.setItem(key, JSON.stringify({ at: Date.now(), values }));
        dirtyForms.add(form);
      } else {
        storage.removeItem(key);
        dirtyForms.delete(form);
      }
      server.later(values || {});
    });
    form.addEventListener("submit", () => server.cancel());
    window.addEventListener("pagehide", () => server.flush());
  }
  const logout = document.querySelector("form[action='/logout']");
  if (logout) logout.addEventListener("submit", () => forgetDrafts(user, ""));
}

document.addEventListener("DOMContentLoaded", setUpDrafts);

// Leaving a page with typed, unsent text asks first.
window.addEventListener("beforeunload", (event) => {
  if (dirtyForms.size > 0) {
    event.preventDefault();
    event.returnValue = "";
  }
});
