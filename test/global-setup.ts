// vitest globalSetup (runs in Node, before any test file): starts the upstream emulators on a free port and
// hands their URL to vitest.config.ts (pool bindings) and to tests (`inject("emulatorUrl")`).
import type { TestProject } from "vitest/node";
import type { EmulatorSecrets } from "../emulators/http";
import { createEmulator } from "../emulators/server";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const secrets = project.getProvidedContext().emulatorSecrets as unknown as EmulatorSecrets | undefined;
  if (!secrets?.N8N_API_KEY || !secrets.N8N_WEBHOOK_SECRET || !secrets.STRIPE_WEBHOOK_SECRET) {
    throw new Error(
      "vitest.config.ts must provide emulatorSecrets (N8N_API_KEY, N8N_WEBHOOK_SECRET, STRIPE_WEBHOOK_SECRET)",
    );
  }
  const emulator = await createEmulator({
    port: 0,
    host: "127.0.0.1",
    secrets,
    verbose: process.env.EMULATOR_VERBOSE === "1",
  });
  project.provide("emulatorUrl", emulator.url);
  return async () => {
    await emulator.close();
  };
}
