// Failures for the WebKit fault matrix. WebDriver cannot intercept a page's requests the way
// Playwright's page.route does in Chromium, so the app is opened through this proxy instead:
// one origin that serves the built app from the journeys' static server and passes `/api/`
// to the reference backend, where chosen writes fail for real on the wire:
//   500      the contract's error envelope, the backend never sees the request;
//   timeout  the backend does the work, its answer is held until the app has given up;
//   offline  the connection is cut before any answer (the browser sees a network error).
// config.json points the app at the proxy (same origin) with a short time-out; the
// Content-Security-Policy the static server sends is kept, with the backend's origin replaced
// by the proxy's; the backend sees the app's real origin, which it allows.
// BAOMING_PROXY_LOG=1 prints every API request the proxy sees, with its connection and fault.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { apiOrigin, appUrl } from "../../e2e/support/env";
import { Fault, TIMEOUT_MS, type Kind } from "../../e2e/support/faults";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How soon after a cut WebKit's network stack resends on its own (measured: 4–10 ms). */
const RESEND_WINDOW_MS = 250;

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };

/** Sends `req` (with `body`) on to `target` and collects the answer. */
function forward(req: http.IncomingMessage, body: Buffer, target: URL, headers: http.OutgoingHttpHeaders): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...headers, host: target.host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    upstream.on("error", reject);
    upstream.end(body);
  });
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export class FaultProxy {
  private faults: Fault[] = [];
  /** When each write (`METHOD /path`) was last cut "offline". */
  private cuts = new Map<string, number>();
  private constructor(
    private server: http.Server,
    /** Where the app is, through the proxy (with the static server's sub-path, if any). */
    readonly url: string,
  ) {}

  static async start(): Promise<FaultProxy> {
    const app = new URL(appUrl());
    const api = new URL(apiOrigin());
    let self = "";
    const server = http.createServer(async (req, res) => {
      try {
        const pathname = new URL(req.url ?? "/", "http://x").pathname;
        if (pathname.endsWith("/config.json")) {
          res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache" });
          res.end(JSON.stringify({ api_base: `${self}/api/v1`, request_timeout_ms: TIMEOUT_MS }));
          return;
        }
        const body = await readBody(req);
        const headers = { ...req.headers };
        // A fresh connection for every request: a connection cut before its answer is then
        // what a phone that lost its network sees. (On a kept-alive connection WebKit's
        // network stack takes a cut for a stale connection and silently resends idempotent
        // requests, which would hide the "offline" from the app. The app's files count too:
        // the chunks it fetches while idle left kept-alive connections an upload then took.)
        res.shouldKeepAlive = false;
        if (!pathname.startsWith("/api/")) {
          const answer = await forward(req, body, app, headers);
          const csp = answer.headers["content-security-policy"];
          if (typeof csp === "string") answer.headers["content-security-policy"] = csp.split(api.origin).join(self);
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
          return;
        }
        // The backend allows the app's origin, which is what the candidate's browser sends.
        if (headers.origin) headers.origin = app.origin;
        const fault = proxy.faults.find((f) => f.method === req.method && f.pathname === pathname);
        const key = req.headers["idempotency-key"];
        if (process.env.BAOMING_PROXY_LOG) console.log(`[proxy] ${new Date().toISOString()} ${req.method} ${pathname} port=${req.socket.remotePort} key=${key} fault=${fault?.kind}`);
        // Still offline: WebKit's network stack (libsoup) resends an idempotent request whose
        // connection was cut, at once and on another connection it had opened ahead, unseen
        // by the app. A phone without a network would fail that resend too, so it is cut as
        // well, and not counted: the app made one attempt. (The app's own retries come a
        // second or more apart.)
        const write = `${req.method} ${pathname}`;
        const cutAt = proxy.cuts.get(write);
        if (fault?.kind === "offline" && cutAt !== undefined && Date.now() - cutAt < RESEND_WINDOW_MS) {
          proxy.cuts.set(write, Date.now());
          req.socket.destroy();
          return;
        }
        if (!fault?.take(Array.isArray(key) ? key[0] : key)) {
          const answer = await forward(req, body, api, headers);
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
          return;
        }
        switch (fault.kind) {
          case "500":
            res.writeHead(500, { "Content-Type": "application/json" });
            res.end(JSON.stringify({ error: { code: "internal", message: "injected failure (tests/webkit/support/proxy.ts)" } }));
            return;
          case "offline":
            proxy.cuts.set(write, Date.now());
            req.socket.destroy();
            return;
          case "timeout": {
            const answer = await forward(req, body, api, headers).catch(() => undefined);
            await sleep(TIMEOUT_MS + 1_500);
            if (!answer || res.destroyed) {
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.status, answer.headers);
            res.end(answer.body);
            return;
          }
        }
      } catch (e) {
        if (!res.headersSent) res.writeHead(502);
        res.end(String(e));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const proxy = new FaultProxy(server, new URL(app.pathname, self).toString());
    return proxy;
  }

  /** Makes `method` requests to exactly `pathname` (under /api/) fail as `kind` on demand. */
  on(kind: Kind, method: string, pathname: string): Fault {
    const fault = new Fault(kind, method, pathname);
    this.faults.push(fault);
    return fault;
  }

  clear() {
    this.faults = [];
    this.cuts.clear();
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
