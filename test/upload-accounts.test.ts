import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { getConfig } from "../src/env";
import { createLogger } from "../src/lib/logger";
import { chooseAccountForConnection, reserveUploadSlot } from "../src/services/account-selection";
import type { ServiceDeps } from "../src/services/deps";
import { quotaCounter } from "../src/services/upload-accounts";
import { addUploadAccount, call, expectProblem, json, signupAdmin, signupUser } from "./helpers";

function deps(): ServiceDeps {
  return { env, config: getConfig(env), db: createDb(env.DB), logger: createLogger("silent") };
}

async function clearPool() {
  await env.DB.batch([
    env.DB.prepare("DELETE FROM channel_authorizations"),
    env.DB.prepare("DELETE FROM oauth_sessions"),
    env.DB.prepare("DELETE FROM upload_accounts"),
  ]);
}

async function statusOf(accountId: string) {
  return (
    await env.DB.prepare("SELECT status FROM upload_accounts WHERE id = ?").bind(accountId).first<{ status: string }>()
  )?.status;
}

describe("admin: upload-account pool", () => {
  it("adds an account: secret encrypted at rest, never echoed; live quota shown", async () => {
    const admin = await signupAdmin();
    const res = await call("/v1/admin/accounts", {
      token: admin.accessToken,
      body: {
        name: "project-a",
        client_id: "a.apps.googleusercontent.com",
        client_secret: "GOCSPX-very-secret",
        status: "active",
      },
    });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    expect(text).not.toContain("GOCSPX-very-secret");
    const account = JSON.parse(text);
    expect(account).toMatchObject({ status: "active", audited: false, healthy: true, channels: 0 });
    expect(account.quota.buckets.uploads).toMatchObject({ limit: 100, used: 0, remaining: 100 });
    const row = await env.DB.prepare("SELECT client_secret_enc FROM upload_accounts WHERE id = ?")
      .bind(account.id)
      .first<{ client_secret_enc: string }>();
    expect(row?.client_secret_enc).toMatch(/^v1\./);
    expect(row?.client_secret_enc).not.toContain("GOCSPX");

    await expectProblem(
      await call("/v1/admin/accounts", {
        token: admin.accessToken,
        body: { name: "dup", client_id: "a.apps.googleusercontent.com", client_secret: "x" },
      }),
      409,
      "conflict",
    );
  });

  it("promote, demote, disable, enable follow the allowed transitions", async () => {
    const admin = await signupAdmin();
    const id = await addUploadAccount(admin.accessToken, { status: "reserve" });
    const go = (t: string) => call(`/v1/admin/accounts/${id}/${t}`, { method: "POST", token: admin.accessToken });
    expect(await json(await go("promote"))).toMatchObject({ status: "active" });
    await expectProblem(await go("promote"), 409, "conflict");
    expect(await json(await go("demote"))).toMatchObject({ status: "reserve" });
    expect(await json(await go("disable"))).toMatchObject({ status: "disabled" });
    expect(await json(await go("enable"))).toMatchObject({ status: "reserve" });
    await expectProblem(await go("explode"), 422, "validation_failed");
    await expectProblem(
      await call("/v1/admin/accounts/acc_missing/promote", { method: "POST", token: admin.accessToken }),
      404,
      "account_not_found",
    );
  });

  it("PATCH marks audited and sets per-account limits on the quota counter", async () => {
    const admin = await signupAdmin();
    const id = await addUploadAccount(admin.accessToken, { audited: false });
    const res = await call(`/v1/admin/accounts/${id}`, {
      method: "PATCH",
      token: admin.accessToken,
      body: { audited: true, limits: { uploads: 250 } },
    });
    const body = await json<{ audited: boolean; quota: { buckets: { uploads: { limit: number } } } }>(res);
    expect(body.audited).toBe(true);
    expect(body.quota.buckets.uploads.limit).toBe(250);
    expect((await quotaCounter(env, id).usage()).buckets.uploads?.limit).toBe(250);
  });

  it("GET /v1/admin/quota totals the active accounts", async () => {
    await clearPool();
    const admin = await signupAdmin();
    const a = await addUploadAccount(admin.accessToken);
    await addUploadAccount(admin.accessToken);
    await addUploadAccount(admin.accessToken, { status: "reserve" });
    await quotaCounter(env, a).reserve({ method: "videos.insert" }, "test");
    const overview = await json<{
      active_totals: { uploads: { limit: number; reserved: number } };
      accounts: unknown[];
    }>(await call("/v1/admin/quota", { token: admin.accessToken }));
    expect(overview.accounts).toHaveLength(3);
    expect(overview.active_totals.uploads).toMatchObject({ limit: 200, reserved: 1 });
  });

  it("non-admins get 403 on every admin route", async () => {
    const user = await signupUser();
    const token = user.accessToken;
    await expectProblem(await call("/v1/admin/accounts", { token }), 403, "forbidden");
    await expectProblem(await call("/v1/admin/quota", { token }), 403, "forbidden");
    await expectProblem(
      await call("/v1/admin/accounts", { token, body: { name: "x", client_id: "x", client_secret: "x" } }),
      403,
      "forbidden",
    );
    await expectProblem(await call("/v1/admin/accounts/acc_x/promote", { method: "POST", token }), 403, "forbidden");
  });
});

describe("account selection", () => {
  beforeEach(clearPool);

  it("a new connection goes to the active account with the most upload headroom", async () => {
    const admin = await signupAdmin();
    const busy = await addUploadAccount(admin.accessToken);
    const idle = await addUploadAccount(admin.accessToken);
    await addUploadAccount(admin.accessToken, { status: "reserve" });
    for (let i = 0; i < 3; i++) await quotaCounter(env, busy).reserve({ method: "videos.insert" }, "load");
    expect((await chooseAccountForConnection(deps())).id).toBe(idle);
  });

  it("skips unhealthy and disabled accounts", async () => {
    const admin = await signupAdmin();
    const sick = await addUploadAccount(admin.accessToken);
    const fine = await addUploadAccount(admin.accessToken);
    await env.DB.prepare("UPDATE upload_accounts SET unhealthy_until = ? WHERE id = ?")
      .bind(Date.now() + 60_000, sick)
      .run();
    await quotaCounter(env, fine).reserve({ method: "videos.insert" }, "load");
    expect((await chooseAccountForConnection(deps())).id).toBe(fine);
  });

  it("promotes a reserve account when every active one is exhausted", async () => {
    const admin = await signupAdmin();
    const active = await addUploadAccount(admin.accessToken);
    const reserve = await addUploadAccount(admin.accessToken, { status: "reserve" });
    await quotaCounter(env, active).markExhausted("uploads");
    expect((await chooseAccountForConnection(deps())).id).toBe(reserve);
    expect(await statusOf(reserve)).toBe("active");
  });

  async function authorise(channelId: string, accountId: string) {
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO channel_authorizations (id, channel_id, account_id, refresh_token_enc, scopes, status, created_at, updated_at) VALUES (?, ?, ?, 'v1.x.y', 'scope', 'active', ?, ?)",
    )
      .bind(`cau_${Math.random().toString(36).slice(2)}`, channelId, accountId, now, now)
      .run();
  }

  async function channelOf() {
    const user = await signupUser();
    const res = await call("/v1/channels", {
      token: user.accessToken,
      body: { name: "c", niche: "n", language: "en" },
    });
    return (await json<{ id: string }>(res)).id;
  }

  it("uploads reserve on the channel's active account, then another authorisation, then a promoted reserve", async () => {
    const admin = await signupAdmin();
    const first = await addUploadAccount(admin.accessToken);
    const second = await addUploadAccount(admin.accessToken);
    const spare = await addUploadAccount(admin.accessToken, { status: "reserve" });
    const channel = await channelOf();
    await authorise(channel, first);
    await authorise(channel, spare);

    const slot = await reserveUploadSlot(deps(), channel, ["videos.insert", "thumbnails.set"], "video test");
    expect(slot.kind === "granted" && slot.account.id).toBe(first);

    await quotaCounter(env, first).markExhausted("uploads");
    const next = await reserveUploadSlot(deps(), channel, ["videos.insert", "thumbnails.set"], "video test");
    expect(next.kind === "granted" && next.account.id).toBe(spare);
    expect(await statusOf(spare)).toBe("active");
    // The channel holds no grant under `second`: it is never used for this channel.
    expect((await quotaCounter(env, second).usage()).buckets.uploads?.reserved).toBe(0);
  });

  it("with no quota anywhere the upload waits until the Pacific-midnight reset", async () => {
    const admin = await signupAdmin();
    const only = await addUploadAccount(admin.accessToken);
    const channel = await channelOf();
    await authorise(channel, only);
    await quotaCounter(env, only).markExhausted("uploads");
    const slot = await reserveUploadSlot(deps(), channel, ["videos.insert"], "video test");
    expect(slot.kind).toBe("wait");
    const { resetAt } = await quotaCounter(env, only).usage();
    expect(slot.kind === "wait" && slot.until).toBe(resetAt);
    expect(slot.kind === "wait" && slot.reason).toBe("quota_exhausted");
  });
});
