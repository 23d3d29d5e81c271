// `npm start`: everything a new machine needs to run the API locally, in one command.
// 1. .dev.vars from .dev.vars.example when missing (local-only secrets)
// 2. local D1 migrations, then the seed (admin and demo users)
// 3. the upstream emulators (emulators/, port 8790): .dev.vars points every provider base URL at them
// 4. `wrangler dev` with every binding (D1, KV, R2, Durable Objects, Queues, rate limits, crons)
import { spawn } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { ROOT, readDotVars, run, waitForHttp } from "./lib.mjs";
import { SEED_USERS, seedLocal } from "./seed.mjs";

const PORT = process.env.PORT ?? "8787";
const quiet = { CI: "true", WRANGLER_SEND_METRICS: "false" };

if (!existsSync(`${ROOT}.dev.vars`)) {
  copyFileSync(`${ROOT}.dev.vars.example`, `${ROOT}.dev.vars`);
  console.log("created .dev.vars from .dev.vars.example (local-only secrets)");
} else {
  // Settings added to the example since this .dev.vars was made: add them, never overwrite the user's.
  const mine = readDotVars(`${ROOT}.dev.vars`);
  const missing = Object.entries(readDotVars(`${ROOT}.dev.vars.example`)).filter(([key]) => !(key in mine));
  if (missing.length > 0) {
    appendFileSync(`${ROOT}.dev.vars`, `\n${missing.map(([k, v]) => `${k}=${v}`).join("\n")}\n`);
    console.log(`added to .dev.vars: ${missing.map(([k]) => k).join(", ")}`);
  }
}

await run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"], { env: quiet });
await seedLocal();

// A clear word instead of an EADDRINUSE stack when a port is taken (another npm start, say).
for (const [name, port] of [
  ["PORT", PORT],
  ["EMULATOR_PORT", process.env.EMULATOR_PORT ?? "8790"],
]) {
  const free = await new Promise((resolve) => {
    const probe = createServer().once("error", () => resolve(false));
    probe.listen(Number(port), "127.0.0.1", () => probe.close(() => resolve(true)));
  });
  if (!free) {
    console.error(`port ${port} is in use: stop what runs there or choose another with ${name}=<port> npm start`);
    process.exit(1);
  }
}

const children = [];
function stopAll(code = 0) {
  for (const child of children) child.kill("SIGTERM");
  process.exit(code);
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

// The emulators read N8N_API_KEY, N8N_WEBHOOK_SECRET and STRIPE_WEBHOOK_SECRET from .dev.vars.
// `node --import tsx` (rather than `npx tsx`) keeps them one process, so stopAll's SIGTERM reaches them.
const EMULATOR_PORT = process.env.EMULATOR_PORT ?? "8790";
const emulators = spawn(process.execPath, ["--import", "tsx", "emulators/main.ts"], {
  cwd: ROOT,
  stdio: "inherit",
  // Each port pair keeps its own emulator state (.emulator-data/), so two copies never overwrite it.
  env: {
    EMULATOR_STATE_FILE:
      EMULATOR_PORT === "8790" ? ".emulator-data/state.json" : `.emulator-data/state-${EMULATOR_PORT}.json`,
    ...process.env,
    EMULATOR_PORT,
    PORT,
  },
});
children.push(emulators);
emulators.on("exit", (code) => stopAll(code ?? 1));
await waitForHttp(`http://127.0.0.1:${EMULATOR_PORT}/__control/health`, 30_000);

// The API's own origin follows PORT (OAuth redirects and render callbacks come back to it), and the
// emulator URLs of .dev.vars follow EMULATOR_PORT, so two copies can run side by side.
const overrides = [`PUBLIC_BASE_URL:http://127.0.0.1:${PORT}`];
for (const [key, value] of Object.entries(readDotVars(`${ROOT}.dev.vars`))) {
  if (value.startsWith("http://127.0.0.1:8790"))
    overrides.push(`${key}:${value.replace(":8790", `:${EMULATOR_PORT}`)}`);
}
// wrangler's own entry run by this Node (not through npx, which does not pass SIGTERM on).
const wranglerBin = `${ROOT}node_modules/wrangler/bin/wrangler.js`;
const devArgs = [
  "dev",
  "--ip",
  "127.0.0.1",
  "--port",
  PORT,
  "--test-scheduled",
  ...overrides.flatMap((v) => ["--var", v]),
];
const api = spawn(process.execPath, [wranglerBin, ...devArgs], {
  cwd: ROOT,
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
children.push(api);
api.on("exit", (code) => stopAll(code ?? 1));

// wrangler dev does not fire cron triggers by itself; it exposes /__scheduled (--test-scheduled).
// Fire the crons of wrangler.toml on their minutes, as Cloudflare would.
const CRONS = [
  { cron: "*/5 * * * *", due: (minute) => minute % 5 === 0 },
  { cron: "0 * * * *", due: (minute) => minute === 0 },
];
let lastTick = -1;
setInterval(async () => {
  const now = new Date();
  const tick = Math.floor(now.getTime() / 60_000);
  if (tick === lastTick) return;
  lastTick = tick;
  for (const { cron, due } of CRONS) {
    if (!due(now.getUTCMinutes())) continue;
    await fetch(`http://127.0.0.1:${PORT}/__scheduled?cron=${encodeURIComponent(cron)}`).catch(() => undefined);
  }
}, 5_000).unref();

console.log(`
ytempire-api on http://127.0.0.1:${PORT}  (docs: /docs, spec: /openapi.json, health: /health/ready)
seeded accounts:
${SEED_USERS.map((u) => `  ${u.role.padEnd(5)} ${u.email} / ${u.password}`).join("\n")}
upstream emulators on http://127.0.0.1:${EMULATOR_PORT} (control API: /__control, see emulators/README.md)
try it: npm run demo "how volcanoes form"
`);
