// <coophub-widget src="https://hub.example/embed/public/1"></coophub-widget>: a widget of
// a coophub dashboard inside another site, from this one script. The element fetches
// the widget's HTML (format=fragment: the hub answers with CORS to the origins in its
// server.embed_origins) and shows it in its shadow root with the hub's own stylesheet,
// so neither site's styles leak into the other; times are written in the reader's
// zone, money follows the page's language. A share link goes in src as ?share=…; the
// hub checks it on every load.
import { localize, zone } from "./common.js";

class CoophubWidget extends HTMLElement {
  static get observedAttributes() {
    return ["src"];
  }

  connectedCallback() {
    this.load();
  }

  attributeChangedCallback() {
    if (this.isConnected) this.load();
  }

  async load() {
    const src = this.getAttribute("src");
    if (!src) return;
    const url = new URL(src, document.baseURI);
    url.searchParams.set("format", "fragment");
    url.searchParams.set("tz", zone);  // the hub writes the times in the reader's zone
    const root = this.shadowRoot || this.attachShadow({ mode: "open" });
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = new URL("/static/style.css", url).href;
    const body = document.createElement("div");
    body.className = "coophub-embed";
    body.setAttribute("aria-busy", "true");
    body.textContent = this.getAttribute("loading-text") || "…";
    root.replaceChildren(style, body);
    try {
      const r = await fetch(url, { credentials: "omit", mode: "cors" });
      const text = await r.text();
      if (!r.ok) throw new Error(JSON.parse(text).detail || String(r.status));
      // The hub escapes everything it renders; its HTML is what it would show itself.
      body.innerHTML = text;
      for (const a of body.querySelectorAll("a[href]")) a.target = "_blank";
      localize(body);
    } catch (e) {
      body.textContent = `coophub: ${e.message}`;
    }
    body.removeAttribute("aria-busy");
  }
}

if (!customElements.get("coophub-widget")) customElements.define("coophub-widget", CoophubWidget);

// <iframe data-coophub-embed src="https://hub.example/embed/…">: the embed says its
// height (a message from the hub's own page in that frame), and the frame takes it.
const hubOf = (frame) => {
  try {
    return new URL(frame.src, document.baseURI).origin;
  } catch {
    return "";
  }
};
// Each time the frame loads, ask: a frame out of view is not laid out, so its own
// resize observer may stay silent until it is scrolled to.
const ask = (frame) => frame.contentWindow?.postMessage({ coophub: "height?" }, hubOf(frame) || "*");
for (const frame of document.querySelectorAll("iframe[data-coophub-embed]")) {
  frame.addEventListener("load", () => ask(frame));
  ask(frame);  // it may have loaded already
}
addEventListener("message", (event) => {
  const data = event.data;
  if (!data || data.coophub !== "height" || !Number.isFinite(data.height)) return;
  for (const frame of document.querySelectorAll("iframe[data-coophub-embed]"))
    if (frame.contentWindow === event.source && hubOf(frame) === event.origin)
      frame.style.height = `${Math.min(Math.max(data.height, 40), 10000)}px`;
});
