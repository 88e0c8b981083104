// The sign-in form: the name and password go to /api/v1/login as JSON; the hub answers
// with a session cookie, and the page goes where the reader was headed.
import { api, t, wireSignOut } from "./common.js";

const form = document.getElementById("login");
const status = document.getElementById("status");
wireSignOut();
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  status.textContent = t("login.working");
  try {
    const field = (id) => form.elements.namedItem(id);  // not form.name: that is the form's own name
    await api("POST", "/api/v1/login", { name: field("name").value.trim(), password: field("password").value });
    location.assign(field("next").value || "/");
  } catch (e) {
    // What went wrong, in the reader's language: the hub's own words are the API's.
    if (e.status === 401) status.textContent = t("login.failed");
    else if (e.status === 429) status.textContent = t("login.wait", { s: String(e.retryAfter ?? "") });
    else status.textContent = e.message;
    form.elements.namedItem("password").select();
  }
});
