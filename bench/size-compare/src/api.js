// The one module that speaks HTTP: base URL from config.json, the session cookie,
// time-outs, retries of safe requests, the error envelope.

let configPromise;

export function config() {
  // Beside index.html: the build's base (an absolute one on a deep link such as
  // /applications/…/step/1, where the page's own URL is not the app's root).
  const root = new URL(import.meta.env.BASE_URL, document.baseURI);
  configPromise ??= fetch(new URL("config.json", root), { cache: "no-cache" }).then((r) => {
    if (!r.ok) throw new Error(`config.json: ${r.status}`);
    return r.json();
  });
  return configPromise;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code || (status === 0 ? "network" : "server");
    this.fields = body?.error?.fields || {};
    this.retryAfter = body?.error?.retry_after_s;
  }
}

const listeners = new Set();
export const onUnauthorized = (f) => (listeners.add(f), () => listeners.delete(f));

async function send(method, path, { json, body, headers = {}, timeoutMs = 15000, retries } = {}) {
  const { api_base: base } = await config();
  const url = new URL(base.replace(/\/$/, "") + path, location.href);
  const safe = method === "GET" || method === "PUT" || method === "DELETE" || headers["Idempotency-Key"];
  let attempts = retries ?? (safe ? 2 : 0);
  for (;;) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    try {
      const res = await fetch(url, {
        method,
        credentials: "include",
        signal: ctrl.signal,
        headers: json !== undefined ? { "Content-Type": "application/json", ...headers } : headers,
        body: json !== undefined ? JSON.stringify(json) : body,
      });
      if (res.status === 401) listeners.forEach((f) => f());
      if (res.status >= 500 && attempts-- > 0) continue;
      const data = res.status === 204 ? null : await res.json().catch(() => null);
      if (!res.ok) throw new ApiError(res.status, data);
      return data;
    } catch (e) {
      if (e instanceof ApiError) throw e;
      if (attempts-- > 0) continue;
      throw new ApiError(0, null);
    } finally {
      clearTimeout(timer);
    }
  }
}

const key = () => crypto.randomUUID();

export const api = {
  plans: () => send("GET", "/plans"),
  plan: (id) => send("GET", `/plans/${encodeURIComponent(id)}`),
  me: () => send("GET", "/me"),
  sendCode: (phone, purpose) => send("POST", "/sms-codes", { json: { phone, purpose } }),
  register: (phone, code, password) => send("POST", "/accounts", { json: { phone, code, password } }),
  login: (phone, password) => send("POST", "/sessions", { json: { phone, password } }),
  logout: () => send("DELETE", "/sessions/current"),
  resetPassword: (phone, code, password) => send("POST", "/password-resets", { json: { phone, code, password } }),
  createApplication: (planId) => send("POST", `/plans/${encodeURIComponent(planId)}/applications`),
  applications: () => send("GET", "/applications"),
  application: (id) => send("GET", `/applications/${encodeURIComponent(id)}`),
  saveDraft: (id, base_version, draft) => send("PUT", `/applications/${encodeURIComponent(id)}/draft`, { json: { base_version, draft } }),
  upload: (id, material, file) => send("PUT", `/applications/${encodeURIComponent(id)}/documents/${material}`, { body: file, headers: { "Content-Type": file.type || "application/octet-stream" }, timeoutMs: 120000 }),
  documentUrl: async (id, material) => `${(await config()).api_base}/applications/${encodeURIComponent(id)}/documents/${material}`,
  submit: (id) => send("POST", `/applications/${encodeURIComponent(id)}/submit`, { headers: { "Idempotency-Key": key() } }),
  resubmit: (id) => send("POST", `/applications/${encodeURIComponent(id)}/resubmit`, { headers: { "Idempotency-Key": key() } }),
  createOrder: (id) => send("POST", `/applications/${encodeURIComponent(id)}/orders`, { headers: { "Idempotency-Key": key() } }),
  order: (no) => send("GET", `/orders/${encodeURIComponent(no)}`),
  queryOrder: (no) => send("POST", `/orders/${encodeURIComponent(no)}/query`),
};

/** The message key for an error, and its fields' keys. */
export function errorKey(e) {
  switch (e?.code) {
    case "network": return "errNetwork";
    case "rate_limited": return "errRateLimited";
    case "invalid_credentials": return "errBadCredentials";
    case "invalid_code": return "errCodeWrong";
    case "phone_taken": return "errPhoneTaken";
    default: return "errServer";
  }
}
