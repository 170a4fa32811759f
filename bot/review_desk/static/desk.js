// The review desk: asks the reviewer's name once per browser tab (sessionStorage: no cookie, gone
// when the tab closes) and puts it into every review form. Everything else is plain HTML forms.
"use strict";
(() => {
  const KEY = "review-desk-reviewer";
  const form = document.getElementById("name-form");
  const input = document.getElementById("reviewer-name");
  const shown = document.getElementById("name-shown");
  const value = document.getElementById("name-value");
  const needed = document.getElementById("name-needed");
  const change = document.getElementById("name-change");
  let waiting = null;   // the review button pressed before a name was known

  const stored = () => {
    try { return (sessionStorage.getItem(KEY) || "").trim(); } catch (_) { return ""; }
  };
  let name = stored();

  function show(editing) {
    form.hidden = Boolean(name) && !editing;
    shown.hidden = !form.hidden;
    value.textContent = name;
    if (name) needed.hidden = true;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = input.value.trim();
    if (!typed) { input.focus(); return; }
    name = typed;
    try { sessionStorage.setItem(KEY, name); } catch (_) { /* private mode: kept for this page */ }
    show(false);
    (waiting || change).focus();
    waiting = null;
  });

  change.addEventListener("click", () => {
    input.value = name;
    show(true);
    input.focus();
  });

  for (const review of document.querySelectorAll("form.review")) {
    review.addEventListener("submit", (event) => {
      if (!name) {
        event.preventDefault();
        waiting = event.submitter || review.querySelector("button");
        show(true);
        needed.hidden = false;
        input.focus();
        return;
      }
      review.querySelector("input[name=reviewer]").value = name;
    });
  }

  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }

  // "Recorded: ..." is said once: a reload of the page must not repeat it
  if (new URLSearchParams(location.search).has("done")) {
    history.replaceState(null, "", location.pathname + location.hash);
  }

  show(false);
  document.body.dataset.ready = "true";
})();
