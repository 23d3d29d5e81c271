// Seeds the local D1 (idempotent): an admin and a demo user, and the pool of 15 YouTube API accounts
// (10 active, 5 reserve) whose OAuth clients the emulator accepts. Passwords are hashed and client
// secrets sealed exactly as the Worker does (src/lib/password.ts, src/lib/secret-box.ts).
import { pbkdf2Sync, randomBytes, webcrypto } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { ROOT, readDotVars, run } from "./lib.mjs";

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
function newId(prefix, now) {
  let time = "";
  for (let i = 0, t = now; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32] + time;
  const tail = [...randomBytes(16)].map((b) => ALPHABET[b % 32]).join("");
  return `${prefix}_${time}${tail}`;
}

/** AES-256-GCM, `v1.<iv>.<ciphertext+tag>`, the row bound as additional data: src/lib/secret-box.ts. */
async function seal(keyBase64, plaintext, boundTo) {
  const key = await webcrypto.subtle.importKey("raw", Buffer.from(keyBase64, "base64"), "AES-GCM", false, ["encrypt"]);
  const iv = randomBytes(12);
  const sealed = await webcrypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: Buffer.from(boundTo) },
    key,
    Buffer.from(plaintext),
  );
  return `v1.${iv.toString("base64")}.${Buffer.from(sealed).toString("base64")}`;
}

export const SEED_ACCOUNTS = Array.from({ length: 15 }, (_, i) => {
  const n = String(i + 1).padStart(2, "0");
  return {
    name: `emulator-project-${n}`,
    clientId: `emulator-project-${n}.apps.googleusercontent.com`,
    clientSecret: `emulator-secret-${n}`,
    status: i < 10 ? "active" : "reserve",
    audited: i < 10,
  };
});

const quote = (value) => `'${String(value).replace(/'/g, "''")}'`;

export async function seedSql(encryptionKey) {
  const now = Date.now();
  const users = SEED_USERS.map(
    (u, i) =>
      `INSERT INTO users (id, email, password_hash, name, role, plan, created_at, updated_at) VALUES (${quote(newId("usr", now + i))}, ${quote(u.email)}, ${quote(hash(u.password))}, ${quote(u.name)}, ${quote(u.role)}, ${quote(u.plan)}, ${now}, ${now}) ON CONFLICT(email) DO NOTHING;`,
  );
  const accounts = await Promise.all(
    SEED_ACCOUNTS.map(async (a, i) => {
      const id = newId("acc", now + i);
      const secret = await seal(encryptionKey, a.clientSecret, `account:${id}`);
      return `INSERT INTO upload_accounts (id, name, google_client_id, client_secret_enc, status, audited, created_at, updated_at) VALUES (${quote(id)}, ${quote(a.name)}, ${quote(a.clientId)}, ${quote(secret)}, ${quote(a.status)}, ${a.audited ? 1 : 0}, ${now}, ${now}) ON CONFLICT(google_client_id) DO NOTHING;`;
    }),
  );
  return [...users, ...accounts].join("\n");
}

export async function seedLocal() {
  mkdirSync(`${ROOT}.wrangler`, { recursive: true });
  const file = `${ROOT}.wrangler/seed.sql`;
  const { ENCRYPTION_KEY } = readDotVars(`${ROOT}.dev.vars`);
  if (!ENCRYPTION_KEY) throw new Error(".dev.vars has no ENCRYPTION_KEY");
  writeFileSync(file, await seedSql(ENCRYPTION_KEY));
  // wrangler prints one result object per statement: only its errors are worth showing.
  await run("npx", ["wrangler", "d1", "execute", "DB", "--local", `--file=${file}`], {
    env: { CI: "true", WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  console.log(
    `seeded ${SEED_USERS.length} users and ${SEED_ACCOUNTS.length} YouTube API accounts (existing rows kept)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await seedLocal();
