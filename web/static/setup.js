// The first-admin form: the code comes in the link's fragment (#code=…), which the
// browser never sends to the server, so it stays out of logs and Referer headers.
"use strict";
(function () {
  const form = document.getElementById("setup");
  const status = document.getElementById("status");
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("code");
  if (fromLink) {
    form.code.value = fromLink;
    history.replaceState(null, "", location.pathname);  // not in the history either
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "Creating…";
    const body = { code: form.code.value.trim(), name: form.name.value.trim(), password: form.password.value };
    try {
      const r = await fetch("/api/v1/setup", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify(body),
      });
      if (r.ok) {
        status.textContent = "Done: you are signed in as an admin.";
        location.assign("/");
        return;
      }
      const problem = await r.json().catch(() => ({}));
      status.textContent = problem.detail || "The hub answered " + r.status + ".";
    } catch (e) {
      status.textContent = "The hub did not answer: is it still running?";
    }
  });
})();
