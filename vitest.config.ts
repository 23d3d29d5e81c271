import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Provider keys and webhook secrets: the Worker under test and the upstream emulators
// (test/global-setup.ts) must agree on them.
const upstreamSecrets = {
  OPENAI_API_KEY: "sk-test-openai",
  ELEVENLABS_API_KEY: "test-elevenlabs",
  STABILITY_API_KEY: "sk-test-stability",
  STRIPE_SECRET_KEY: "sk_test_emulator",
  STRIPE_WEBHOOK_SECRET: "whsec_test_secret",
  SENDGRID_API_KEY: "SG.test",
  N8N_API_KEY: "test-n8n-key",
  N8N_WEBHOOK_SECRET: "test-n8n-webhook-secret",
};

/** Every upstream base URL var pointed at the emulators (same paths as .dev.vars.example). */
function upstreamUrls(emulator: string) {
  return {
    OPENAI_BASE_URL: `${emulator}/openai/v1`,
    ELEVENLABS_BASE_URL: `${emulator}/elevenlabs`,
    STABILITY_BASE_URL: `${emulator}/stability`,
    GOOGLE_AUTH_URL: `${emulator}/google/accounts/o/oauth2/v2/auth`,
    GOOGLE_TOKEN_URL: `${emulator}/google/oauth2/token`,
    GOOGLE_REVOKE_URL: `${emulator}/google/oauth2/revoke`,
    YOUTUBE_API_BASE_URL: `${emulator}/google/youtube/v3`,
    YOUTUBE_UPLOAD_BASE_URL: `${emulator}/google/upload/youtube/v3`,
    YOUTUBE_ANALYTICS_BASE_URL: `${emulator}/google/youtubeanalytics/v2`,
    STRIPE_API_BASE_URL: emulator,
    SENDGRID_BASE_URL: `${emulator}/sendgrid`,
    N8N_RENDER_URL: `${emulator}/n8n/webhook/render`,
    EMULATOR_URL: emulator,
  };
}

/**
 * Tests run inside workerd with the real local D1, KV, R2, Durable Objects and Queues declared in
 * wrangler.toml; storage is isolated per test file. Test-only secrets come from here.
 */
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      // Function form: the emulators' URL is known only once test/global-setup.ts has started them.
      cloudflareTest(async ({ inject }) => ({
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            LOG_LEVEL: "silent",
            JWT_SECRET: "test-jwt-secret-that-is-long-enough-0123456789",
            ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            SIGNING_SECRET: "test-signing-secret-that-is-long-enough-0123",
            ...upstreamSecrets,
            ...upstreamUrls(inject("emulatorUrl")),
            MAX_BODY_BYTES: "65536",
            TEST_MIGRATIONS: migrations,
          },
        },
      })),
    ],
    test: {
      globalSetup: ["./test/global-setup.ts"],
      provide: { emulatorSecrets: upstreamSecrets },
      // One emulator serves every file and tests steer it with faults: run files one at a time.
      fileParallelism: false,
      setupFiles: ["./test/apply-migrations.ts"],
      include: ["test/**/*.test.ts"],
      testTimeout: 60_000,
    },
  };
});
