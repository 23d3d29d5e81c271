// Seeds the local D1 with an admin and a demo user (idempotent). Passwords are hashed exactly as the
// Worker does (PBKDF2-SHA-256, 100,000 iterations, random salt), so they log in normally.
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { ROOT, run } from "./lib.mjs";

export const SEED_USERS = [
  { email: "admin@ytempire.local", password: "admin-password-123", name: "Local Admin", role: "admin", plan: "agency" },
  { email: "demo@ytempire.local", password: "demo-password-123", name: "Demo User", role: "user", plan: "pro" },
];

function hash(password) {
  const salt = randomBytes(16);
  const derived = pbkdf2Sync(password, salt, 100_000, 32, "sha256");
  return `pbkdf2_sha256$100000$${salt.toString("base64")}$${derived.toString("base64")}`;
}

// Same shape as src/lib/ids.ts: 10 base32 characters of time, 16 of randomness.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
function userId(now) {
  let time = "";
  for (let i = 0, t = now; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32] + time;
  const tail = [...randomBytes(16)].map((b) => ALPHABET[b % 32]).join("");
  return `usr_${time}${tail}`;
}

const quote = (value) => `'${String(value).replace(/'/g, "''")}'`;

export function seedSql() {
  const now = Date.now();
  return SEED_USERS.map(
    (u, i) =>
      `INSERT INTO users (id, email, password_hash, name, role, plan, created_at, updated_at) VALUES (${quote(userId(now + i))}, ${quote(u.email)}, ${quote(hash(u.password))}, ${quote(u.name)}, ${quote(u.role)}, ${quote(u.plan)}, ${now}, ${now}) ON CONFLICT(email) DO NOTHING;`,
  ).join("\n");
}

export async function seedLocal() {
  mkdirSync(`${ROOT}.wrangler`, { recursive: true });
  const file = `${ROOT}.wrangler/seed.sql`;
  writeFileSync(file, seedSql());
  await run("npx", ["wrangler", "d1", "execute", "DB", "--local", `--file=${file}`], {
    env: { CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await seedLocal();
