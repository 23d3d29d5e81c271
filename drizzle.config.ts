import { defineConfig } from "drizzle-kit";

// Migrations are generated from src/db/schema.ts, reviewed, and never edited after landing.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
