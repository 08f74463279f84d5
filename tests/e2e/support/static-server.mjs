#!/usr/bin/env node
// A plain static file server that behaves like a CDN in front of the built app, for the
// browser journeys: no knowledge of the app beyond "files under a mount path".
//
//   node tests/e2e/support/static-server.mjs --dir dist --mount /baoming/ --port 0 \
//        --api-base http://127.0.0.1:8080/api/v1 [--spa-fallback] [--host 127.0.0.1] \
//        [--csp "$(cargo xtask csp --api-origin http://127.0.0.1:8080)"]
//
// - Serves the files of --dir under --mount; anything outside the mount is a 404.
// - `<mount>config.json` answers {"api_base": <--api-base>} when --api-base is given
//   (the deployment's runtime configuration), otherwise the file from --dir.
// - --spa-fallback: a path whose last segment has no extension and matches no file gets
//   index.html (deep links); everything else that is missing is a 404.
// - Cache-Control as a CDN would send it: content-hashed assets are immutable for a
//   year; index.html and config.json are revalidated every time.
// - --csp POLICY: sent as `Content-Security-Policy` with every HTML answer (index.html and
//   the SPA fallback), as the deployment's host would; `cargo xtask csp` computes it.
//   A policy with `report-uri /__csp-report` gets its reports here: each violation is
//   printed as `static-server: CSP violation: …` (`cargo xtask test` fails on any).
// - --compress: text and .wasm answers are brotli- (quality 11) or gzip-compressed (-9) by
//   the request's Accept-Encoding, as a CDN serves them (the Lighthouse budgets measure
//   the wire). Off by default.
// Prints `static-server listening on http://HOST:PORT<mount>` once ready.
// Node standard library only.

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".gif": "image/gif",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";
// Trunk's file hashes: `name-<16 hex digits>.ext` (and `name-<hash>_bg.wasm`).
const HASHED = /-[0-9a-f]{12,}(_bg)?\.[A-Za-z0-9]+$/;

function parseArgs(argv) {
  const opts = { dir: "dist", mount: "/", port: 0, host: "127.0.0.1", apiBase: null, spa: false, csp: null, compress: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case "--dir": opts.dir = value(); break;
      case "--mount": opts.mount = value(); break;
      case "--port": opts.port = Number(value()); break;
      case "--host": opts.host = value(); break;
      case "--api-base": opts.apiBase = value(); break;
      case "--spa-fallback": opts.spa = true; break;
      case "--csp": opts.csp = value(); break;
      case "--compress": opts.compress = true; break;
      default: fail(`unknown argument: ${arg}`);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) fail("--port must be 0-65535");
  if (!opts.mount.startsWith("/")) opts.mount = "/" + opts.mount;
  if (!opts.mount.endsWith("/")) opts.mount += "/";
  opts.dir = path.resolve(opts.dir);
  return opts;
}

function fail(message) {
  console.error(`static-server: ${message}`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));

async function fileAt(relative) {
  // Resolve inside --dir only: no `..` escapes.
  const full = path.resolve(opts.dir, "." + path.posix.normalize("/" + relative));
  if (full !== opts.dir && !full.startsWith(opts.dir + path.sep)) return null;
  try {
    const info = await stat(full);
    if (info.isDirectory()) {
      const index = path.join(full, "index.html");
      return (await stat(index)).isFile() ? index : null;
    }
    return info.isFile() ? full : null;
  } catch {
    return null;
  }
}

function cacheControl(file) {
  const name = path.basename(file);
  if (name === "index.html" || name === "config.json") return REVALIDATE;
  return HASHED.test(name) ? IMMUTABLE : REVALIDATE;
}

function send(res, method, status, headers, body) {
  res.writeHead(status, { "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(method === "HEAD" ? undefined : body);
}

const REPORT_PATH = "/__csp-report";

async function cspReport(req, res) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) break;
    chunks.push(chunk);
  }
  let reports = [];
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    reports = Array.isArray(body) ? body.map((r) => r.body ?? r) : [body["csp-report"] ?? body];
  } catch {
    reports = [{ "violated-directive": "(unreadable report)" }];
  }
  for (const r of reports) {
    const directive = r["effective-directive"] ?? r.effectiveDirective ?? r["violated-directive"] ?? "?";
    const blocked = r["blocked-uri"] ?? r.blockedURL ?? "?";
    const page = r["document-uri"] ?? r.documentURL ?? "?";
    console.error(`static-server: CSP violation: ${directive} blocked ${blocked} on ${page}`);
  }
  res.writeHead(204);
  res.end();
}

async function handle(req, res) {
  const method = req.method ?? "GET";
  if (method === "POST" && opts.csp !== null && (req.url ?? "").split("?")[0].endsWith(REPORT_PATH)) {
    return cspReport(req, res);
  }
  if (method !== "GET" && method !== "HEAD") {
    return send(res, method, 405, { Allow: "GET, HEAD", "Content-Type": "text/plain" }, "method not allowed\n");
  }
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  } catch {
    return send(res, method, 400, { "Content-Type": "text/plain" }, "bad request\n");
  }
  if (pathname + "/" === opts.mount) {
    return send(res, method, 301, { Location: opts.mount, "Content-Type": "text/plain" }, "moved\n");
  }
  if (!pathname.startsWith(opts.mount)) {
    console.error(`static-server: 404 ${method} ${pathname} (outside ${opts.mount})`);
    return send(res, method, 404, { "Content-Type": "text/plain" }, "not found\n");
  }
  const relative = pathname.slice(opts.mount.length);

  if (relative === "config.json" && opts.apiBase !== null) {
    const body = JSON.stringify({ api_base: opts.apiBase }) + "\n";
    return send(res, method, 200, { "Content-Type": CONTENT_TYPES[".json"], "Cache-Control": REVALIDATE }, body);
  }

  let file = await fileAt(relative);
  const lastSegment = relative.split("/").pop() ?? "";
  if (file === null && opts.spa && !lastSegment.includes(".")) {
    file = await fileAt("index.html");
  }
  if (file === null) {
    console.error(`static-server: 404 ${method} ${pathname}`);
    return send(res, method, 404, { "Content-Type": "text/plain" }, "not found\n");
  }
  const body = await readFile(file);
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
  const headers = { "Content-Type": type, "Cache-Control": cacheControl(file) };
  if (opts.csp !== null && type.startsWith("text/html")) headers["Content-Security-Policy"] = opts.csp;
  if (opts.compress && COMPRESSIBLE.test(type)) {
    headers["Vary"] = "Accept-Encoding";
    const encoding = pickEncoding(req.headers["accept-encoding"]);
    if (encoding) {
      headers["Content-Encoding"] = encoding;
      return send(res, method, 200, headers, compressed(file, body, encoding));
    }
  }
  return send(res, method, 200, headers, body);
}

const COMPRESSIBLE = /^(text\/|application\/(json|wasm|manifest\+json)|image\/svg\+xml)/;
const compressedCache = new Map();

/** `br` when the client takes it, else `gzip`, else nothing. */
function pickEncoding(accept = "") {
  const offered = new Set(accept.split(",").map((e) => e.split(";")[0].trim().toLowerCase()));
  return offered.has("br") ? "br" : offered.has("gzip") ? "gzip" : null;
}

/** The file compressed once per content (dist/ does not change while serving). */
function compressed(file, body, encoding) {
  const key = `${encoding} ${file} ${body.length}`;
  let out = compressedCache.get(key);
  if (!out) {
    out = encoding === "br"
      ? brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } })
      : gzipSync(body, { level: 9 });
    compressedCache.set(key, out);
  }
  return out;
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(`static-server: ${err?.stack ?? err}`);
    if (!res.headersSent) send(res, req.method ?? "GET", 500, { "Content-Type": "text/plain" }, "internal error\n");
    else res.destroy();
  });
});

server.listen(opts.port, opts.host, () => {
  const { port } = server.address();
  console.log(`static-server listening on http://${opts.host}:${port}${opts.mount}`);
});

// Keep-alive connections from the browser would hold server.close() open; nothing here
// needs a graceful drain.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => process.exit(0));
}
