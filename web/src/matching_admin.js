// The coordinator's matching view in the admin page (editors and admins): what matching
// reads and what it cannot use, the open requests soonest first, a request's candidates
// with their reasons, offers to the ones picked (each offer's link shown once, to pass
// on to someone who does not sign in), and a proposal for all the listed requests at
// once that can be offered as proposed. Everything through /api/v1; nothing here sees
// a home address (the API gives areas and rounded distances only).
import { api, t, absoluteTime, formatNumber } from "./common.js";

// One reason of the matcher in the reader's words ({code, value, points} of the API).
export function reasonText(r) {
  const v = r.value;
  switch (r.code) {
    case "skills":
      return Array.isArray(v) && v.length ? t("match.reason.skills", { skills: v.map((s) => `${s.name} ${s.level}/5`).join(", ") }) : "";
    case "distance":
      return typeof v === "number" ? t("match.reason.distance", { km: formatNumber(v) }) : "";
    case "continuity":
      return v > 0 ? t("match.reason.continuity", { n: v }) : "";
    case "fairness":
      return typeof v === "number" ? t("match.reason.fairness", { hours: formatNumber(v) }) : "";
    case "language":
      return t("match.reason.language", { lang: v });
    case "certificate":
      return t("match.reason.certificate", { name: v });
    case "preference":
      return v ? t("match.reason.preference", { name: v }) : "";
    default:
      return r.text || "";
  }
}

const reasonsOf = (c) => c.reasons.map(reasonText).filter(Boolean).join(" · ");
const when = (r) => `${absoluteTime(r.start)} – ${absoluteTime(r.end)}`;

// Offers sent: who, and the page each can open without signing in (shown this once).
function offersMade(h, items) {
  return h("div", { class: "made", role: "status" },
    h("p", {}, t("match.offered", { n: items.length })),
    h("ul", { class: "links" }, items.map((o) => h("li", {}, o.person_title || String(o.person), ": ",
      h("input", { readonly: true, size: 40, value: `${location.origin}${o.page}`, "aria-label": t("match.link", { name: o.person_title || o.person }) })))),
    h("p", { class: "note" }, t("match.link.once")));
}

// The offers of one request so far, with their answers.
async function offerList(h, uid) {
  const { items } = await api("GET", `/api/v1/requests/${uid}/offers`);
  if (!items.length) return h("p", { class: "note" }, t("match.nooffers"));
  return h("ul", { class: "offers" }, items.map((o) => h("li", { "data-status": o.status },
    o.person_title || String(o.person), " · ", t("match.status." + o.status),
    o.reason ? ` · “${o.reason}”` : "")));
}

// Under a request's row: its candidates, best first, each with a box to tick, and Offer.
async function candidatesPanel(h, request) {
  const panel = h("div", { class: "candidates", id: `candidates-${request.uid}` });
  const status = h("p", { role: "status" });
  let ranking;
  try {
    ranking = await api("GET", `/api/v1/requests/${request.uid}/candidates?limit=20`);
  } catch (e) {
    panel.append(h("p", { class: "error" }, e.message));
    return panel;
  }
  const offers = h("div", { class: "offer-list" }, await offerList(h, request.uid));
  if (!ranking.items.length) {
    panel.append(h("p", { class: "empty" }, t("match.nocandidates", { n: ranking.excluded ? Object.values(ranking.excluded).reduce((a, b) => a + b, 0) : 0 })), offers);
    return panel;
  }
  const rows = ranking.items.map((c) => h("tr", {},
    h("td", {}, h("input", { type: "checkbox", value: c.person.uid, id: `pick-${request.uid}-${c.person.uid}` })),
    h("th", { scope: "row" }, h("label", { for: `pick-${request.uid}-${c.person.uid}` }, c.person.title)),
    h("td", { class: "num" }, formatNumber(c.score)),
    h("td", {}, reasonsOf(c))));
  const table = h("table", { class: "candidates" },
    h("caption", {}, t("match.candidates.of", { n: ranking.count, title: request.title })),
    h("thead", {}, h("tr", {}, h("th", {}, h("span", { class: "visually-hidden" }, t("match.pick"))),
      h("th", { scope: "col" }, t("match.col.person")), h("th", { scope: "col" }, t("match.col.score")),
      h("th", { scope: "col" }, t("match.col.why")))),
    h("tbody", {}, rows));
  const offer = h("button", { type: "button", class: "primary", onclick: async () => {
    const people = [...table.querySelectorAll("input:checked")].map((x) => Number(x.value));
    if (!people.length) return (status.textContent = t("match.pick.first"));
    offer.disabled = true;
    try {
      const made = await api("POST", `/api/v1/requests/${request.uid}/offers`, { people });
      status.replaceChildren(offersMade(h, made.items));
      offers.replaceChildren(await offerList(h, request.uid));
    } catch (e) {
      status.textContent = e.message;
      status.classList.add("error");
    }
    offer.disabled = false;
  } }, t("match.offer"));
  panel.append(h("div", { class: "table-wrap" }, table), offer, status, h("h4", {}, t("match.offers")), offers);
  return panel;
}

function requestRow(h, r) {
  const row = h("tr", { id: `request-${r.uid}` },
    h("td", {}, when(r)), h("th", { scope: "row" }, r.title), h("td", {}, r.area || "–"));
  const cell = h("td", { class: "actions" });
  if (r.problem) {
    cell.append(h("span", { class: "reason" }, r.problem));
  } else {
    const open = h("button", { type: "button", "aria-expanded": "false", onclick: async () => {
      const shown = row.nextElementSibling?.classList.contains("panel") ? row.nextElementSibling : null;
      if (shown) {
        shown.remove();
        open.setAttribute("aria-expanded", "false");
        return;
      }
      open.setAttribute("aria-expanded", "true");
      row.after(h("tr", { class: "panel" }, h("td", { colspan: 4 }, await candidatesPanel(h, r))));
    } }, t("match.candidates"));
    cell.append(open);
  }
  row.append(cell);
  return row;
}

// A proposal for every listed request at once (POST /api/v1/matching/assign), beside
// the button that sends each its offer.
function proposal(h, requests, byUid) {
  const out = h("div", { class: "proposal", role: "status" });
  const propose = h("button", { type: "button", onclick: async () => {
    propose.disabled = true;
    out.textContent = t("loading");
    try {
      const uids = requests.filter((r) => !r.problem).map((r) => r.uid);
      const p = await api("POST", "/api/v1/matching/assign", { requests: uids });
      const send = h("button", { type: "button", class: "primary", onclick: async () => {
        send.disabled = true;
        let sent = 0;
        for (const a of p.assignments)
          sent += await api("POST", `/api/v1/requests/${a.request}/offers`, { people: [a.person] }).then(() => 1, () => 0);
        send.replaceWith(h("p", {}, t("match.proposal.sent", { n: sent })));
      } }, t("match.proposal.send"));
      out.replaceChildren(
        h("p", {}, t("match.proposal.total", { n: p.assignments.length, total: formatNumber(p.total), left: p.unassigned.length })),
        h("table", {}, h("tbody", {}, p.assignments.map((a) => h("tr", {},
          h("td", {}, byUid[a.request]?.title || String(a.request)), h("td", {}, a.person_title || String(a.person)), h("td", { class: "num" }, formatNumber(a.score)))))),
        p.assignments.length ? send : "");
    } catch (e) {
      out.textContent = e.message;
    }
    propose.disabled = false;
  } }, t("match.propose"));
  return [propose, out];
}

// The section, or null when matching is not set up (the API answers 404).
export async function matchingSection(h) {
  let status;
  try {
    status = await api("GET", "/api/v1/matching");
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
  const section = h("section", { id: "matching", "aria-labelledby": "matching-h" },
    h("h2", { id: "matching-h" }, t("match.title")),
    h("p", {}, t("match.summary", { people: status.people, open: status.open_requests, problems: status.problem_count })));
  if (status.missing_sources.length)
    section.append(h("p", { class: "error" }, t("match.missing", { sources: status.missing_sources.join(", ") })));
  if (status.problems.length)
    section.append(h("details", { class: "more" }, h("summary", {}, t("match.problems", { n: status.problem_count })),
      h("ul", {}, status.problems.map((p) => h("li", {}, p)))));
  const { items, count } = await api("GET", "/api/v1/matching/requests?limit=100");
  if (!items.length) {
    section.append(h("p", { class: "empty" }, t("match.noopen")));
    return section;
  }
  const byUid = Object.fromEntries(items.map((r) => [r.uid, r]));
  const table = h("table", { class: "requests" },
    h("caption", {}, t("match.open", { n: items.length, count })),
    h("thead", {}, h("tr", {}, [t("match.col.when"), t("match.col.request"), t("match.col.area"), ""].map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, items.map((r) => requestRow(h, r))));
  section.append(h("div", { class: "table-wrap" }, table), ...proposal(h, items, byUid));
  return section;
}
