import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Tests run inside workerd with the real local D1, KV, R2, Durable Objects and Queues declared in
 * wrangler.toml; storage is isolated per test file. Test-only secrets come from here.
 */
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            APP_ENV: "test",
            LOG_LEVEL: "silent",
            JWT_SECRET: "test-jwt-secret-that-is-long-enough-0123456789",
            ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            SIGNING_SECRET: "test-signing-secret-that-is-long-enough-0123",
            OPENAI_API_KEY: "sk-test-openai",
            ELEVENLABS_API_KEY: "test-elevenlabs",
            STABILITY_API_KEY: "sk-test-stability",
            STRIPE_SECRET_KEY: "sk_test_emulator",
            STRIPE_WEBHOOK_SECRET: "whsec_test_secret",
            SENDGRID_API_KEY: "SG.test",
            N8N_API_KEY: "test-n8n-key",
            N8N_WEBHOOK_SECRET: "test-n8n-webhook-secret",
            MAX_BODY_BYTES: "65536",
            TEST_MIGRATIONS: migrations,
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/apply-migrations.ts"],
      include: ["test/**/*.test.ts"],
      testTimeout: 20_000,
    },
  };
});
