// The vit-serve web page: choose, drop or paste an image; it is sent to
// POST /v1/explain (predictions, timings and the heat-map overlay in one
// call); the overlay is shown over the image with an opacity slider. Only the
// server's public HTTP API is used, and nothing outside this server.
"use strict";

const TOP_K = 5;
const $ = (id) => document.getElementById(id);

const state = {
  image: null,         // the Blob last chosen
  imageUrl: null,      // its object URL, shown in #original
  overlayUrl: null,    // the overlay's object URL
  generation: 0,       // bumped per request: a late answer to an old one is dropped
};

// ---- HTTP -------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function authHeaders() {
  const token = $("token").value.trim();
  return token ? { Authorization: "Bearer " + token } : {};
}

// fetch() that resolves to the parsed JSON, or throws ApiError with the
// server's own {"error": "..."} text.
async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, { method, body, headers: authHeaders(), cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, "cannot reach the server (" + e.message + ")");
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!response.ok) {
    const message = json && typeof json.error === "string" ? json.error : text || response.statusText;
    throw new ApiError(response.status, message);
  }
  if (json === null) throw new ApiError(response.status, "the server's answer is not JSON");
  return json;
}

function describeError(error) {
  const text = error.message;
  switch (error.status) {
    case 0: return text;
    case 400: return "The server refused the image: " + text;
    case 401: return "The server needs a valid bearer token: " + text;
    case 404: return "Not found: " + text;
    case 413: return "The image is too large: " + text;
    case 501: return "The server cannot do this: " + text;
    case 503: return "The server is busy or not ready, try again: " + text;
    default: return "Error " + error.status + ": " + text;
  }
}

// ---- page state ---------------------------------------------------------------

function setStatus(text) {
  $("status").textContent = text;
}

function showError(text) {
  const error = $("error");
  error.textContent = text;
  error.hidden = !text;
}

function selectedMethod() {
  const checked = document.querySelector('input[name="method"]:checked');
  return checked ? checked.value : "rollout";
}

function selectedModel() {
  return $("model-field").hidden ? "" : $("model").value;
}

function replaceUrl(key, blob) {
  if (state[key]) URL.revokeObjectURL(state[key]);
  state[key] = blob ? URL.createObjectURL(blob) : null;
  return state[key];
}

function base64ToBlob(base64, type) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type });
}

// ---- rendering ----------------------------------------------------------------

function renderPredictions(predictions) {
  const list = $("predictions");
  list.replaceChildren();
  for (const p of predictions) {
    const item = document.createElement("li");
    const percent = (100 * (p.probability || 0)).toFixed(1) + " %";
    const name = document.createElement("span");
    name.className = "label";
    name.textContent = p.label || "class " + p.class_index;
    const value = document.createElement("span");
    value.className = "probability";
    value.textContent = percent;
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.setAttribute("aria-hidden", "true");
    const fill = document.createElement("span");
    fill.style.width = Math.max(0, Math.min(100, 100 * (p.probability || 0))) + "%";
    bar.append(fill);
    item.append(name, value, bar);
    list.append(item);
  }
}

function renderTimings(timings) {
  const list = $("timings");
  list.replaceChildren();
  if (!timings) return;
  const ms = (us) => (Number(us || 0) / 1000).toFixed(1) + " ms";
  const rows = [
    ["queue", ms(timings.queue_us)],
    ["preprocess", ms(timings.preprocess_us)],
    ["inference", ms(timings.inference_us)],
    ["total", ms(timings.total_us)],
    ["batch size", String(timings.batch_size || 0)],
  ];
  for (const [term, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
}

function renderOverlay(response) {
  const overlay = $("overlay");
  if (!response || !response.overlay_png) {
    overlay.hidden = true;
    overlay.removeAttribute("src");
    replaceUrl("overlayUrl", null);
    return;
  }
  overlay.src = replaceUrl("overlayUrl", base64ToBlob(response.overlay_png, "image/png"));
  overlay.hidden = false;
  applyOpacity();
}

function renderCaption(response, method) {
  const parts = ["model " + (response.model_id || "?")];
  if (response.grid_height) {
    parts.push(method + ", " + response.grid_height + " × " + response.grid_width + " patches");
  }
  $("caption").textContent = parts.join(" · ");
}

function applyOpacity() {
  const value = Number($("opacity").value);
  $("opacity-value").textContent = value + " %";
  $("overlay").style.opacity = String(value / 100);
}

// ---- the request ----------------------------------------------------------------

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== "") search.set(key, value);
  return search.toString();
}

// Explain (predictions + overlay in one call); a server without explanations
// (501) still gets the predictions from /v1/classify, and says why the
// overlay is missing.
async function run() {
  if (!state.image) return;
  const generation = ++state.generation;
  const method = selectedMethod();
  const model = selectedModel();
  showError("");
  setStatus("Explaining with " + method + "…");
  try {
    let response;
    let overlayError = "";
    try {
      response = await api("POST", "/v1/explain?" +
        query({ method, top_k: TOP_K, model, overlay: "true" }), state.image);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 501) throw e;
      overlayError = describeError(e);
      response = await api("POST", "/v1/classify?" + query({ top_k: TOP_K, model }), state.image);
    }
    if (generation !== state.generation) return;
    renderPredictions(response.predictions || []);
    renderTimings(response.timings);
    renderOverlay(response);
    renderCaption(response, method);
    $("result").hidden = false;
    showError(overlayError);
    const top = (response.predictions || [])[0];
    setStatus(top ? "Top class: " + (top.label || "class " + top.class_index) : "Done.");
  } catch (e) {
    if (generation !== state.generation) return;
    if (e instanceof ApiError && e.status === 401) $("token-field").hidden = false;
    renderPredictions([]);
    renderTimings(null);
    renderOverlay(null);
    $("caption").textContent = "";
    setStatus("");
    showError(describeError(e));
  }
}

function useImage(blob) {
  if (!blob) return;
  state.image = blob;
  const original = $("original");
  original.onload = () => {
    // A Fashion-MNIST-sized image is scaled up with visible pixels, not blurred.
    original.parentElement.classList.toggle("small", original.naturalWidth < 256);
  };
  original.src = replaceUrl("imageUrl", blob);
  $("result").hidden = false;
  run();
}

// ---- start-up: server name, token, models -------------------------------------------

async function loadServer() {
  try {
    const server = await api("GET", "/v2");
    $("server-info").textContent = "Server " + server.name + " " + server.version + ".";
  } catch (e) {
    if (e.status === 401) {
      $("token-field").hidden = false;
      setStatus("This server requires a bearer token: enter it below.");
      return;
    }
    showError(describeError(e));
    return;
  }
  await loadModels();
}

// The Open Inference Protocol's repository index, where the server has it; a
// picker only when it lists more than one ready model (else requests name
// none, and the server's default answers).
async function loadModels() {
  let index;
  try {
    index = await api("POST", "/v2/repository/index", JSON.stringify({ ready: true }));
  } catch (e) {
    return;  // no repository extension: one model is served
  }
  const names = [...new Set((Array.isArray(index) ? index : [])
    .filter((m) => !m.state || m.state === "READY").map((m) => m.name))];
  if (names.length < 2) return;
  const select = $("model");
  select.replaceChildren(...names.map((name) => new Option(name, name)));
  $("model-field").hidden = false;
}

function firstImageFile(items) {
  for (const item of items || []) {
    const file = item instanceof File ? item : item.kind === "file" ? item.getAsFile() : null;
    if (file) return file;
  }
  return null;
}

function wire() {
  $("file").addEventListener("change", (e) => useImage(e.target.files[0]));
  // A drop anywhere on the page counts (a near miss must not navigate away).
  const zone = $("drop-zone");
  document.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("dragging");
  });
  document.addEventListener("dragleave", (e) => {
    if (!e.relatedTarget) zone.classList.remove("dragging");
  });
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    useImage(firstImageFile(e.dataTransfer && e.dataTransfer.files));
  });
  document.addEventListener("paste", (e) => {
    const file = firstImageFile(e.clipboardData && e.clipboardData.items);
    if (file) {
      e.preventDefault();
      useImage(file);
    }
  });
  for (const radio of document.querySelectorAll('input[name="method"]')) {
    radio.addEventListener("change", run);
  }
  $("model").addEventListener("change", run);
  $("opacity").addEventListener("input", applyOpacity);
  const token = $("token");
  token.value = sessionStorage.getItem("vit-token") || "";
  token.addEventListener("change", () => {
    sessionStorage.setItem("vit-token", token.value.trim());
    loadServer().then(run);
  });
  applyOpacity();
  loadServer();
}

wire();
