#!/usr/bin/env node
// Benchmark (figures, not a test): candidates polling their orders (the 待缴费 page asks
// every 2 s) while WeChat Pay answers slowly, and what that does to everyone else.
//
//   node tests/perf/polling.mjs --api http://127.0.0.1:8787 --double http://127.0.0.1:7701 \
//        [--candidates 100] [--latency-ms 50] [--seconds 20] [--connections 50]
//
// --api is a reference backend in development mode paying through the WeChat Pay double at
// --double (`cargo xtask bench-polling` starts both). The script registers --candidates
// candidates with an approved application and an order each, tells the double to answer
// every /v3 call after --latency-ms, then runs two `wrk` loads at once for --seconds:
// GET /orders/{no} round-robin over the candidates' orders and sessions (--connections,
// closed loop: as fast as the backend answers) and GET /plans (10 connections). It prints
// both rows: requests per second, median and p99 latency, errors, beside the goal that
// other endpoints' p99 stay under 100 ms (`wrk` from Debian's packages is the load tool).

import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";

import { request as apiRequest } from "playwright-core";

import { PASSWORD, prepareCandidate } from "./candidate.mjs";

const GOAL_P99_MS = 100;

function options(argv) {
  const opts = { api: null, double: null, candidates: 100, latencyMs: 50, seconds: 20, connections: 50 };
  for (let i = 0; i < argv.length; i++) {
    const value = () => argv[++i];
    switch (argv[i]) {
      case "--api": opts.api = value(); break;
      case "--double": opts.double = value(); break;
      case "--candidates": opts.candidates = Number(value()); break;
      case "--latency-ms": opts.latencyMs = Number(value()); break;
      case "--seconds": opts.seconds = Number(value()); break;
      case "--connections": opts.connections = Number(value()); break;
      default:
        console.error(`polling.mjs: unknown argument ${argv[i]}`);
        process.exit(2);
    }
  }
  if (!opts.api || !opts.double) {
    console.error("usage: node tests/perf/polling.mjs --api ORIGIN --double URL [--candidates N] [--latency-ms N] [--seconds N] [--connections N]");
    process.exit(2);
  }
  return opts;
}

/** A candidate with an order to pay: its session cookie and order number. */
async function candidateWithOrder(api) {
  const c = await prepareCandidate(api);
  const ctx = await apiRequest.newContext({ baseURL: `${api}/api/v1/` });
  try {
    const login = await ctx.post("sessions", { data: { phone: c.phone, password: PASSWORD } });
    if (!login.ok()) throw new Error(`login: ${login.status()} ${await login.text()}`);
    const cookie = (await ctx.storageState()).cookies.map((k) => `${k.name}=${k.value}`).join("; ");
    const order = await ctx.post(`applications/${c.payId}/orders`, { headers: { "Idempotency-Key": `bench-${c.phone}` } });
    if (!order.ok()) throw new Error(`order: ${order.status()} ${await order.text()}`);
    return { cookie, orderNo: (await order.json()).order_no };
  } finally {
    await ctx.dispose();
  }
}

const WRK_SCRIPT = `
local pairs_ = {}
for line in io.lines(os.getenv("BAOMING_POLL_LIST")) do
  local cookie, order = line:match("([^\\t]+)\\t([^\\t]+)")
  table.insert(pairs_, { cookie = cookie, order = order })
end
local i = 0
request = function()
  i = i % #pairs_ + 1
  local p = pairs_[i]
  return wrk.format("GET", "/api/v1/orders/" .. p.order, { ["Cookie"] = p.cookie })
end
`;

function wrk(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, { env: { ...process.env, ...env } });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}: ${out}`))));
  });
}

/** Requests/s, median and p99 (ms) and errors from `wrk --latency`'s report. */
function figures(report) {
  const ms = (text) => {
    const m = text.match(/([\d.]+)(us|ms|s)/);
    if (!m) return NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  // The "Latency Distribution" block: "     99%    1.01s".
  const line = (label) => report.split("\n").find((l) => l.trim().startsWith(label) && /\d(us|ms|s)\s*$/.test(l)) ?? "";
  const errors = (report.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? "0");
  const socket = report.match(/Socket errors: (.*)/)?.[1] ?? "none";
  return {
    rps: Number(report.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN),
    p50: ms(line("50%").trim().split(/\s+/).pop()),
    p99: ms(line("99%").trim().split(/\s+/).pop()),
    errors: Number(errors),
    socket,
  };
}

async function main() {
  const opts = options(process.argv.slice(2));
  console.log(`preparing ${opts.candidates} candidates with an order each…`);
  const started = Date.now();
  const list = [];
  for (let i = 0; i < opts.candidates; i += 5) {
    const batch = Array.from({ length: Math.min(5, opts.candidates - i) }, () => candidateWithOrder(opts.api));
    list.push(...(await Promise.all(batch)));
  }
  console.log(`prepared in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const dir = await mkdtemp(path.join(tmpdir(), "baoming-polling-"));
  const listFile = path.join(dir, "orders.tsv");
  const script = path.join(dir, "poll.lua");
  await writeFile(listFile, list.map((c) => `${c.cookie}\t${c.orderNo}`).join("\n") + "\n");
  await writeFile(script, WRK_SCRIPT);
  const latency = await fetch(`${opts.double}/_double/latency`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ms: opts.latencyMs }),
  });
  if (!latency.ok) throw new Error(`/_double/latency: ${latency.status}`);

  const duration = `${opts.seconds}s`;
  const [polls, plans] = await Promise.all([
    wrk(["-t2", `-c${opts.connections}`, `-d${duration}`, "--latency", "-s", script, opts.api], { BAOMING_POLL_LIST: listFile }),
    wrk(["-t1", "-c10", `-d${duration}`, "--latency", `${opts.api}/api/v1/plans`], {}),
  ]);
  const p = figures(polls);
  const q = figures(plans);
  console.log(`\nWeChat answering after ${opts.latencyMs} ms; ${opts.candidates} orders; ${opts.seconds} s; wrk (closed loop)`);
  console.log("load                          req/s     p50 ms    p99 ms   errors   goal");
  const row = (name, f, goal) =>
    console.log(`${name.padEnd(28)} ${f.rps.toFixed(0).padStart(7)} ${f.p50.toFixed(1).padStart(10)} ${f.p99.toFixed(1).padStart(9)} ${String(f.errors).padStart(8)}   ${goal}`);
  row(`GET /orders/{no} (${opts.connections} conn.)`, p, "(figure)");
  row("GET /plans (10 conn.)", q, `p99 < ${GOAL_P99_MS} ms: ${q.p99 < GOAL_P99_MS ? "met" : "missed"}`);
  if (p.socket !== "none" || q.socket !== "none") console.log(`socket errors: orders ${p.socket}; plans ${q.socket}`);
  if (process.env.BAOMING_POLL_RAW) console.log(polls, plans);
}

main().catch((err) => {
  console.error(`polling.mjs: ${err?.stack ?? err}`);
  process.exit(1);
});
