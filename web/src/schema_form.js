// A form made from a plugin's JSON Schema (the SPEC its connector gives), and the
// config read back from it. Each field names its path (data-path: "columns.title"),
// shows the schema's description as its hint and its default as a placeholder. Fields
// the spec marks "secret" are password inputs that never show the stored value: left
// empty, an edit keeps it (the hub's PATCH keeps secrets a config leaves out).
// Required fields come first; optional ones with a default (or "x-advanced": true) are
// folded under "More settings". A field's label is the catalog's "field.NAME" in the
// reader's language when it has one, else the spec's title, else the name in words.
import { t, hasText } from "./common.js";

let serial = 0;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== false && v != null) node.setAttribute(k, v === true ? "" : v);
  node.append(...children.filter((c) => c != null));
  return node;
}

function field(path, schema, value, required, secretsSet) {
  const id = `sf-${++serial}`;
  const label = el("label", { for: id }, fieldTitle(path.split(".").pop(), schema), required ? el("span", { class: "required", "aria-hidden": "true" }, " *") : null);
  const about = fieldHint(path.split(".").pop(), schema);
  const hint = about ? el("small", { id: id + "-hint", class: "hint" }, about) : null;
  const common = { id, "data-path": path, "aria-describedby": hint ? id + "-hint" : false, required };
  let input;
  if (Array.isArray(schema.enum)) {
    input = el("select", { ...common, "data-type": schema.type || "string" },
      required ? null : el("option", { value: "" }, schema.default !== undefined ? t("form.default", { value: schema.default }) : ""),
      ...schema.enum.map((v) => el("option", { value: String(v), selected: value === v }, String(v))));
  } else if (schema.type === "boolean") {
    input = el("input", { ...common, type: "checkbox", "data-type": "boolean", checked: value ?? schema.default ?? false });
    return el("div", { class: "field checkbox" }, input, label, hint);
  } else if (schema.type === "integer" || schema.type === "number") {
    input = el("input", { ...common, type: "number", "data-type": schema.type, min: schema.minimum, max: schema.maximum,
                          step: schema.type === "integer" ? "1" : "any", value: value ?? "", placeholder: schema.default });
  } else if (schema.type === "array") {
    input = el("input", { ...common, "data-type": "array", value: Array.isArray(value) ? value.join(", ") : "",
                          placeholder: t("form.list") });
  } else if (schema.type === "object") {
    input = el("textarea", { ...common, "data-type": "json", rows: "3", placeholder: "{}" });
    input.value = value ? JSON.stringify(value, null, 1) : "";
  } else if (schema.secret) {
    const kept = secretsSet.includes(path);
    input = el("input", { ...common, type: "password", "data-type": "secret", autocomplete: "off",
                          required: required && !kept, placeholder: kept ? t("form.secret.kept") : "" });
  } else {
    input = el("input", { ...common, "data-type": "string", value: value ?? "", placeholder: schema.default ?? "" });
  }
  return el("div", { class: "field" }, label, input, hint);
}

// What a field is for: the catalog's words (field.NAME.hint), else the connector's own.
export function fieldHint(name, schema = {}) {
  return hasText(`field.${name}.hint`) ? t(`field.${name}.hint`) : schema.description || "";
}

export function fieldTitle(name, schema = {}) {
  if (hasText(`field.${name}`)) return t(`field.${name}`);
  if (schema.title) return schema.title;
  const words = name.replace(/_s$/, "").replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// The fields of an object schema; objects with properties of their own become
// fieldsets. Returns [main, advanced]: the fields to show, and those to fold.
function fields(schema, value, prefix, secretsSet) {
  const main = [], advanced = [];
  const required = new Set(schema.required || []);
  const entries = Object.entries(schema.properties || {});
  entries.sort(([a], [b]) => Number(required.has(b)) - Number(required.has(a)));  // stable: spec order within
  for (const [name, sub] of entries) {
    const path = prefix ? `${prefix}.${name}` : name;
    const v = value ? value[name] : undefined;
    const fold = !required.has(name) && (sub["x-advanced"] === true || sub.default !== undefined);
    let node;
    if (sub.type === "object" && sub.properties) {
      const [m, a] = fields(sub, v, path, secretsSet);
      node = el("fieldset", {}, el("legend", {}, fieldTitle(name, sub)), sub.description ? el("small", { class: "hint" }, sub.description) : null,
                ...m, ...a);
    } else {
      node = field(path, sub, v, required.has(name), secretsSet);
    }
    (fold ? advanced : main).push(node);
  }
  return [main, advanced];
}

export function schemaForm(spec, value = {}, secretsSet = []) {
  const [main, advanced] = fields(spec || {}, value, "", secretsSet);
  return el("div", { class: "schema-form" }, ...main,
            advanced.length ? el("details", { class: "advanced" }, el("summary", {}, t("form.advanced")), ...advanced) : null);
}

// The config the form holds: empty fields are left out (the plugin's defaults apply).
// Throws an Error naming the field when a JSON field does not parse.
export function formValue(container) {
  const config = {};
  for (const input of container.querySelectorAll("[data-path]")) {
    const type = input.dataset.type;
    let v;
    if (type === "boolean") v = input.checked;
    else if (input.value.trim() === "") continue;
    else if (type === "integer" || type === "number") v = Number(input.value);
    else if (type === "array") v = input.value.split(",").map((s) => s.trim()).filter(Boolean);
    else if (type === "json") {
      try {
        v = JSON.parse(input.value);
      } catch {
        throw new Error(t("form.badjson", { field: input.dataset.path }));
      }
    } else v = type === "secret" ? input.value : input.value.trim();
    const parts = input.dataset.path.split(".");
    let at = config;
    for (const p of parts.slice(0, -1)) at = at[p] ??= {};
    at[parts[parts.length - 1]] = v;
  }
  return config;
}
