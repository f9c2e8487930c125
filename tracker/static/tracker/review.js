// The review queue: decide a row in the background and show what the public now sees.
// Without this script the row's buttons submit the page as a plain form (same server view).
"use strict";
(function () {
  function csrfToken(form) {
    const field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function decide(button) {
    const row = button.closest(".decision");
    const pk = row.dataset.link;
    const form = button.form;
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken(form));
    body.append("decide", button.value);
    body.append("reason-" + pk, row.querySelector("input.reason").value);
    const version = row.querySelector("input[name=version-" + pk + "]");
    body.append("version-" + pk, version.value);
    const outcome = row.querySelector(".outcome");
    row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    outcome.textContent = "Saving…";
    return fetch(button.formAction, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
    })
      .then((response) => response.json())
      .then((data) => {
        outcome.textContent = data.message;
        outcome.classList.toggle("error", !data.ok);
        row.classList.toggle("decided", data.ok);
        if (data.ok) {
          version.value = data.version;
          // The bulk actions' version of the same row: a later bulk decision is not stale.
          const seen = document.querySelector("input[name=seen_version_" + pk + "]");
          if (seen) seen.value = data.version;
          row.querySelector(".state").textContent = data.state;
        }
      })
      .catch(() => {
        outcome.textContent = "Not saved: the server could not be reached. Try again.";
        outcome.classList.add("error");
      })
      .finally(() => {
        row.querySelectorAll("button").forEach((b) => { b.disabled = false; });
      });
  }

  function start() {
    const list = document.getElementById("result_list");
    if (!list || !window.fetch) {
      return; // The plain form does the work.
    }
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button.decide");
      if (button) {
        event.preventDefault();
        decide(button);
      }
    });
    list.querySelectorAll("input.reason").forEach((input) => {
      // A reason is not a list_editable change: keep the admin's "unsaved changes" prompt quiet.
      input.addEventListener("change", (event) => event.stopPropagation());
      // Enter in a reason would submit the bulk-action form: don't.
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
