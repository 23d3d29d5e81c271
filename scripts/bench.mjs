// `npm run bench`: how much our Worker costs per request, read as a ratio to a bare Worker.
//
// The built bundle (wrangler deploy --dry-run) is served through the Miniflare API with the bindings of
// wrangler.toml, beside a bare Worker that returns a constant, both in this one process and run.
// autocannon drives each at concurrency 1, 16 and 64. Not `wrangler dev`: its proxy and per-request
// logging cost 2-8x and would hide our own cost.
//
// Env: BENCH_SECONDS (per cell, default 5), BENCH_LOG_LEVEL (the API's LOG_LEVEL, default "warn": our
// access log would otherwise be measured as Miniflare's stdout piping, which production does not pay).
import { readdirSync, readFileSync } from "node:fs";
import autocannon from "autocannon";
import { Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { ROOT, readDotVars, run } from "./lib.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = [1, 16, 64];
const OUT_DIR = `${ROOT}.wrangler/bench`;

await run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", OUT_DIR], {
  env: { WRANGLER_SEND_METRICS: "false" },
  stdio: ["ignore", "ignore", "inherit"],
});

const { workerOptions } = unstable_getMiniflareWorkerOptions(`${ROOT}wrangler.toml`);
const secrets = readDotVars(`${ROOT}.dev.vars.example`);
const unlimited = { simple: { limit: 1_000_000_000, period: 60 } };

const api = new Miniflare({
  log: new Log(LogLevel.WARN),
  ...workerOptions,
  name: "api",
  modules: [{ type: "ESModule", path: `${OUT_DIR}/index.js`, contents: readFileSync(`${OUT_DIR}/index.js`, "utf8") }],
  bindings: { ...workerOptions.bindings, ...secrets, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn" },
  // The bench measures handler cost, not the limiter's refusals.
  ratelimits: Object.fromEntries(Object.keys(workerOptions.ratelimits ?? {}).map((name) => [name, unlimited])),
  queueConsumers: undefined,
  d1Persist: false,
  kvPersist: false,
  r2Persist: false,
  durableObjectsPersist: false,
  port: 0,
});
const bare = new Miniflare({
  name: "bare",
  modules: true,
  script: 'export default { fetch() { return new Response("ok"); } };',
  compatibilityDate: workerOptions.compatibilityDate,
  port: 0,
});
const [apiUrl, bareUrl] = await Promise.all([api.ready, bare.ready]);

// Schema and one user, through the Worker itself.
const db = await api.getD1Database("DB");
for (const file of readdirSync(`${ROOT}migrations`)
  .filter((f) => f.endsWith(".sql"))
  .sort()) {
  const statements = readFileSync(`${ROOT}migrations/${file}`, "utf8")
    .split("--> statement-breakpoint")
    .map((s) => s.trim())
    .filter(Boolean);
  await db.batch(statements.map((sql) => db.prepare(sql)));
}
const signup = await fetch(new URL("/v1/auth/signup", apiUrl), {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: "bench-password-123" }),
});
if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
const { access_token: token } = await signup.json();
const check = await fetch(new URL("/v1/users/me", apiUrl), { headers: { authorization: `Bearer ${token}` } });
if (check.status !== 200) throw new Error(`GET /v1/users/me answered ${check.status}`);

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(url, headers, connections, seconds = SECONDS) {
  const latencies = [];
  const instance = autocannon({ url, connections, duration: seconds, headers, pipelining: 1 });
  instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    rps: result.requests.total / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

const targets = [
  { name: "bare Worker (constant)", url: new URL("/", bareUrl).href, headers: {} },
  { name: "GET /health (no auth, no D1)", url: new URL("/health", apiUrl).href, headers: {} },
  {
    name: "GET /v1/users/me (JWT)",
    url: new URL("/v1/users/me", apiUrl).href,
    headers: { authorization: `Bearer ${token}` },
  },
];
const rows = [];
for (const connections of CONCURRENCY) {
  const cell = {};
  for (const target of targets) {
    // A one-second warm-up so JIT and first-use costs do not land in the figures.
    await measure(target.url, target.headers, connections, 1).catch(() => undefined);
    cell[target.name] = await measure(target.url, target.headers, connections);
  }
  rows.push({ connections, cell });
}
await Promise.all([api.dispose(), bare.dispose()]);

const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "-");
console.log(`\nnode ${process.version}, ${SECONDS}s per cell, latencies in ms\n`);
console.log("| conc | target | req/s | p50 | p95 | p99 | errors | req/s vs bare |");
console.log("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const { connections, cell } of rows) {
  const base = cell[targets[0].name].rps;
  for (const target of targets) {
    const m = cell[target.name];
    console.log(
      `| ${connections} | ${target.name} | ${fmt(m.rps, 0)} | ${fmt(m.p50)} | ${fmt(m.p95)} | ${fmt(m.p99)} | ${m.errors} | ${fmt(m.rps / base, 2)} |`,
    );
  }
}
