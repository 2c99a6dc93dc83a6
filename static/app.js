// Okno's small progressive enhancements. Pages work without this script.
"use strict";

document.addEventListener("keydown", (event) => {
  // "/" focuses the page's search or filter field, as in most registries.
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return;
  const search = document.querySelector("input[type=search], form.filters input");
  if (search) {
    event.preventDefault();
    search.focus();
  }
});

// Ask before actions marked as dangerous (disabling a user and the like).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.classList.contains("danger") && !window.confirm("Вы уверены?")) {
    event.preventDefault();
  }
});
