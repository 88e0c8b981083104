// The service worker: the last dashboard read, for when the network is gone.
//
// The dashboard ("/") goes to the network first; each page that comes back is kept,
// one per address, and served when the hub cannot be reached, marked with when it was
// kept (body[data-offline], which the page's code turns into a notice). The assets
// under /static/ come from the cache at once and are refreshed behind. Nothing else is
// touched: no API call, no write, no other page. Signing out forgets the pages kept, so
// the next person at a shared computer finds nothing of the last one's.
const PAGES = "coophub-pages-v1";
const ASSETS = "coophub-assets-v1";
const SIGN_OUT = new Set(["/logout", "/api/v1/logout"]);

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) =>
  event.waitUntil((async () => {
    for (const name of await caches.keys())
      if (name !== PAGES && name !== ASSETS) await caches.delete(name);  // an older worker's
    await self.clients.claim();
  })()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && SIGN_OUT.has(url.pathname))
    event.respondWith(caches.delete(PAGES).then(() => fetch(request)));
  else if (request.method !== "GET") return;
  else if (request.mode === "navigate" && url.pathname === "/") event.respondWith(page(request, url));
  else if (url.pathname.startsWith("/static/")) event.respondWith(asset(request));
});

async function page(request, url) {
  const cache = await caches.open(PAGES);
  const key = url.pathname + url.search;
  try {
    const answer = await fetch(request);
    if (answer.ok && !url.searchParams.has("q")) {  // a dashboard, not a search
      const headers = new Headers(answer.headers);
      headers.set("X-Coophub-Kept", new Date().toISOString());
      await cache.put(key, new Response(await answer.clone().blob(), { status: 200, headers }));
    }
    return answer;
  } catch (error) {
    const kept = (await cache.match(key)) || (await cache.match("/", { ignoreSearch: true }));
    if (!kept) throw error;
    const when = kept.headers.get("X-Coophub-Kept") || "";
    const html = (await kept.text()).replace("<body ", `<body data-offline="${when}" `);
    return new Response(html, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
}

async function asset(request) {
  const cache = await caches.open(ASSETS);
  const kept = await cache.match(request);
  const fresh = fetch(request).then(async (answer) => {
    if (answer.ok) await cache.put(request, answer.clone());
    return answer;
  });
  if (!kept) return fresh;
  fresh.catch(() => {});  // offline: the kept copy is the answer
  return kept;
}
