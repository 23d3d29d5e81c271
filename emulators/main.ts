// `tsx emulators/main.ts`: the emulator for `npm start`, on EMULATOR_PORT (default 8790), with the secrets
// of .dev.vars, so the Worker's signatures and keys match what the emulator checks and signs.
// Unlike the tests' instance it keeps its long-lived state in EMULATOR_STATE_FILE (default
// .emulator-data/state.json; empty = in memory only), because the API's local D1 outlives it.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { EmulatorSecrets } from "./http";
import { createEmulator } from "./server";

function readDotVars(path: URL): Record<string, string> {
  if (!existsSync(path)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/);
    if (match?.[1]) vars[match[1]] = (match[2] ?? "").replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

const root = new URL("../", import.meta.url);
const vars = { ...readDotVars(new URL(".dev.vars.example", root)), ...readDotVars(new URL(".dev.vars", root)) };
const need = (name: string) => {
  const value = process.env[name] ?? vars[name];
  if (!value) throw new Error(`${name} is missing from .dev.vars`);
  return value;
};
const secrets: EmulatorSecrets = {
  N8N_API_KEY: need("N8N_API_KEY"),
  N8N_WEBHOOK_SECRET: need("N8N_WEBHOOK_SECRET"),
  STRIPE_WEBHOOK_SECRET: need("STRIPE_WEBHOOK_SECRET"),
  OPENAI_API_KEY: vars.OPENAI_API_KEY,
  ELEVENLABS_API_KEY: vars.ELEVENLABS_API_KEY,
  STABILITY_API_KEY: vars.STABILITY_API_KEY,
  STRIPE_SECRET_KEY: vars.STRIPE_SECRET_KEY,
  SENDGRID_API_KEY: vars.SENDGRID_API_KEY,
};

const port = Number(process.env.EMULATOR_PORT ?? 8790);
const apiPort = process.env.PORT ?? "8787";
const stateFile = process.env.EMULATOR_STATE_FILE ?? fileURLToPath(new URL(".emulator-data/state.json", root));
const emulator = await createEmulator({
  port,
  host: "127.0.0.1",
  secrets,
  stripeWebhookUrl: process.env.STRIPE_WEBHOOK_TARGET ?? `http://127.0.0.1:${apiPort}/v1/webhooks/stripe`,
  verbose: process.env.EMULATOR_VERBOSE === "1",
  stateFile: stateFile ? resolve(stateFile) : undefined,
});
console.log(`upstream emulators on ${emulator.url} (control API: ${emulator.url}/__control/health)`);
console.log(stateFile ? `emulator state kept in ${resolve(stateFile)}` : "emulator state in memory only");

let closing = false;
async function stop() {
  if (closing) return;
  closing = true;
  await emulator.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
