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
    status.textContent = e.message;
    form.elements.namedItem("password").select();
  }
});
