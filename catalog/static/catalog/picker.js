// The model picker: a reference consumer of the public modelsync API (GET /api/v1/models/, POST /api/v1/select/).
// Plain JavaScript, no build step. Frontends can copy any part of it.
"use strict";

const API = "/api/v1";
const form = document.getElementById("requirements");
const banner = document.getElementById("banner");
let nextCatalogPage = null;
// Why a model cannot be called, by the API's not_callable_reason (the page renders them from catalog.selection).
const NOT_CALLABLE = JSON.parse(document.getElementById("not-callable-reasons").textContent);

// --- Talking to the API --------------------------------------------------------------------

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

class ApiError extends Error {
  constructor(status, body) {
    super(describeError(status, body));
    this.status = status;
  }
}

function describeError(status, body) {
  if (status === 401 || status === 403) return "Log in to use the catalog (or ask staff to enable public read).";
  const error = body && body.error;
  if (error && error.message) {
    const fields = error.fields ? Object.entries(error.fields).map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`) : [];
    return [error.message, ...fields].join(" — ");
  }
  if (body && body.detail) return String(body.detail);
  return `The API answered HTTP ${status}.`;
}

async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    headers["X-CSRFToken"] = csrfToken();
  }
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  const stale = response.headers.get("X-Catalog-Stale") === "1" || (data && data.stale === true);
  return { data, stale };
}

// --- Reading the form ----------------------------------------------------------------------

function list(text) {
  return text.split(",").map((part) => part.trim()).filter(Boolean);
}

// The selection request fields this page sends, by form type (tests/test_openapi_contract.py checks them
// against the committed OpenAPI schema, so a renamed API field fails a test, not a user).
const SELECT_FIELDS = {
  category: "text", capabilities: "checkboxes", min_context: "integer", min_output_tokens: "integer",
  max_input_cost: "text", max_output_cost: "text", providers: "list", exclude_providers: "list",
  min_safety: "number", free_only: "flag", preferred: "list", strategy: "text", fallbacks: "integer",
  input_tokens: "integer", output_tokens: "integer", cache_read_tokens: "integer", service_tier: "text",
  callable_only: "boolean",
};

function readRequirements() {
  const values = new FormData(form);
  const requirements = {};
  for (const [name, type] of Object.entries(SELECT_FIELDS)) {
    const raw = values.get(name);
    if (type === "checkboxes") requirements[name] = values.getAll(name);
    else if (type === "flag") { if (raw) requirements[name] = true; }
    else if (type === "boolean") requirements[name] = raw !== null; // a checkbox sent either way (default true)
    else if (type === "list") { const items = list(raw || ""); if (items.length) requirements[name] = items; }
    else if (raw !== null && raw.trim() !== "") requirements[name] = type === "text" ? raw.trim() : Number(raw);
  }
  return requirements;
}

function catalogQuery(requirements) {
  const query = new URLSearchParams({ ordering: "model", page_size: "25" });
  if (requirements.category) query.set("category", requirements.category);
  for (const capability of requirements.capabilities || []) query.append("capability", capability);
  if (requirements.min_context) query.set("min_context", requirements.min_context);
  if (requirements.max_input_cost) query.set("max_input_cost", requirements.max_input_cost);
  if (requirements.max_output_cost) query.set("max_output_cost", requirements.max_output_cost);
  if (requirements.free_only) query.set("is_free", "true");
  const search = document.getElementById("catalog-search").value.trim();
  if (search) query.set("search", search);
  return query;
}

// --- Rendering -----------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function price(value) {
  return value === null || value === undefined ? "—" : `$${value}`;
}

function priceText(model) {
  const pricing = model.pricing || {};
  if (pricing.status === "free") return "free";
  if (pricing.status === "variable") return "variable price";
  if (pricing.status === "unknown") return "price unknown";
  return `${price(pricing.input_per_mtok)} in / ${price(pricing.output_per_mtok)} out per Mtok`;
}

// The estimate for the stated usage, and the prices in effect: a long-context tier, a window, a service tier.
function costText(model) {
  const cost = model.estimated_cost;
  if (!cost || cost.total_cost === undefined || cost.total_cost === null) return "";
  const applied = [];
  if (cost.tier !== null && cost.tier !== undefined) applied.push(`long-context tier > ${cost.tier.toLocaleString("en-US")} tokens`);
  if (cost.window) applied.push(`window ${cost.window}`);
  if (cost.service_tier && cost.service_tier !== "standard") applied.push(`${cost.service_tier} prices`);
  if (cost.complete === false) applied.push("incomplete");
  return `est. $${cost.total_cost}` + (applied.length ? ` (${applied.join(", ")})` : "");
}

function badges(items) {
  return el("span", {}, ...(items || []).map((item) => el("span", { class: "badge" }, item.replaceAll("_", " "))));
}

function whyNotCallable(model) {
  return NOT_CALLABLE[model.not_callable_reason] || "it cannot be called";
}

// "callable" or why not, as a chip; the whole reason on hover.
function callability(model) {
  if (model.callable) return el("span", { class: "callable yes", "data-testid": "callable" }, "callable");
  return el("span", { class: "callable no", "data-testid": "callable", title: whyNotCallable(model) },
    (model.not_callable_reason || "not callable").replaceAll("_", " "));
}

function showBanner(kind, message) {
  banner.className = `banner ${kind}`;
  banner.textContent = message;
  banner.hidden = false;
}

function clearBanner() {
  banner.hidden = true;
  banner.textContent = "";
}

function renderSelected(model) {
  const card = document.getElementById("selected");
  card.classList.toggle("not-callable", !model.callable);
  const warning = model.callable ? [] : [el("p", { class: "warning", role: "alert", "data-testid": "not-callable-warning" },
    `This model cannot be called: ${whyNotCallable(model)}.`)];
  card.replaceChildren(
    ...warning,
    el("span", { class: "score" }, `score ${model.score.toFixed(2)}`),
    el("div", { class: "name", "data-testid": "selected-name" }, model.display_name),
    el("div", {}, el("code", { "data-testid": "selected-model" }, model.model), " via ", model.source),
    el("div", { class: "meta" },
      callability(model),
      el("span", {}, model.provider),
      el("span", {}, model.context_window ? `${model.context_window.toLocaleString()} tokens` : "context unknown"),
      el("span", {}, priceText(model)),
      el("span", { "data-testid": "selected-cost" }, costText(model))),
    badges(model.capabilities),
    el("ul", { class: "reasons" }, ...(model.reasons || []).map((reason) => el("li", {}, reason))),
  );
}

function renderSelection(result) {
  document.getElementById("selection-empty").hidden = true;
  document.getElementById("selection-result").hidden = false;
  const card = document.getElementById("selected");
  if (result.selected) {
    renderSelected(result.selected);
  } else {
    const reasons = Object.entries(result.rejections || {}).map(([why, count]) => `${count} × ${why.replaceAll("_", " ")}`);
    card.classList.toggle("not-callable", Boolean(result.nothing_callable));
    card.replaceChildren(
      el("div", { class: "name", "data-testid": "selected-name" },
        result.nothing_callable ? "No model that can be called fits" : "No model fits these requirements"),
      ...(result.reasons || []).map((reason) => el("p", { class: "warning", role: "alert", "data-testid": "selection-reason" }, reason)),
      el("p", { class: "muted" }, reasons.length ? `Rejected: ${reasons.join(", ")}.` : "The catalog is empty."),
    );
  }
  document.getElementById("fallbacks-heading").hidden = !(result.fallbacks || []).length;
  document.getElementById("fallbacks").replaceChildren(...(result.fallbacks || []).map((model) =>
    el("li", { "data-testid": "fallback" },
      el("strong", {}, model.display_name), " ", el("code", {}, model.model),
      el("div", { class: "meta" }, callability(model), el("span", {}, model.provider), el("span", {}, priceText(model)),
        el("span", {}, costText(model)), el("span", {}, `score ${model.score.toFixed(2)}`)),
      el("div", { class: "muted" }, (model.reasons || []).join("; ")))));
  document.getElementById("selection-stats").textContent =
    `${result.eligible} eligible of ${result.considered} considered.`;
}

function renderCatalogRows(models, append) {
  const body = document.querySelector("#catalog tbody");
  const rows = models.map((model) => el("tr", { "data-model": model.model },
    el("td", {}, model.display_name, el("div", { class: "sub" }, model.model)),
    el("td", {}, model.provider),
    el("td", {}, callability(model)),
    el("td", { class: "num" }, model.context_window ? model.context_window.toLocaleString() : "—"),
    el("td", { class: "num" }, model.pricing.status === "known" ? price(model.pricing.input_per_mtok) : model.pricing.status),
    el("td", { class: "num" }, model.pricing.status === "known" ? price(model.pricing.output_per_mtok) : "—"),
    el("td", {}, badges(model.capabilities))));
  if (append) body.append(...rows); else body.replaceChildren(...rows);
}

// --- Wiring --------------------------------------------------------------------------------

async function loadCatalog({ append = false } = {}) {
  const path = append ? nextCatalogPage : `${API}/models/?${catalogQuery(readRequirements())}`;
  const { data, stale } = await api(path);
  renderCatalogRows(data.results, append);
  nextCatalogPage = data.next;
  document.getElementById("more").hidden = !data.next;
  document.getElementById("catalog-count").textContent = `${data.count} models`;
  return stale;
}

async function refresh({ select }) {
  const button = document.getElementById("select-button");
  // Only a selection holds the button: a catalog refresh starts on the blur of a field, which comes just before
  // the click on the button, and a button disabled at that moment swallows the click.
  if (select) button.disabled = true;
  clearBanner();
  try {
    let stale = await loadCatalog();
    if (select) {
      const result = await api(`${API}/select/`, { method: "POST", body: readRequirements() });
      renderSelection(result.data);
      stale = stale || result.stale;
    }
    if (stale) showBanner("stale", "The catalog database is unreachable: showing the last good snapshot, which may be out of date.");
  } catch (error) {
    showBanner("error", error.message || "Could not reach the API.");
  } finally {
    if (select) button.disabled = false;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  refresh({ select: true });
});
form.addEventListener("change", () => refresh({ select: false }));
document.getElementById("catalog-search").addEventListener("change", () => refresh({ select: false }));
document.getElementById("more").addEventListener("click", () => loadCatalog({ append: true }).catch((error) => showBanner("error", error.message)));
refresh({ select: false });
