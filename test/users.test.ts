import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, signupAdmin, signupUser } from "./helpers";

describe("users/me", () => {
  it("PATCH changes whitelisted fields", async () => {
    const user = await signupUser();
    const res = await call("/v1/users/me", {
      method: "PATCH",
      token: user.accessToken,
      body: { name: "Grace", timezone: "Europe/Paris", video_cost_cap_micros: 1_500_000 },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await json(res)).toMatchObject({
      name: "Grace",
      timezone: "Europe/Paris",
      video_cost_cap_micros: 1_500_000,
    });
  });

  it("mass assignment of role, plan or id is refused and changes nothing", async () => {
    const user = await signupUser();
    const res = await call("/v1/users/me", {
      method: "PATCH",
      token: user.accessToken,
      body: { name: "Mallory", role: "admin", plan: "agency", id: "usr_other" },
    });
    const problem = await expectProblem(res, 422, "validation_failed");
    expect(problem.errors?.[0]?.message).toMatch(/role|plan|id/);
    const row = await env.DB.prepare("SELECT role, plan, name FROM users WHERE id = ?").bind(user.id).first();
    expect(row).toEqual({ role: "user", plan: "free", name: null });
  });

  it("names refuse control and direction-override characters; time zones are stored canonically", async () => {
    const user = await signupUser();
    const spoof = await call("/v1/users/me", {
      method: "PATCH",
      token: user.accessToken,
      body: { name: "evil\u202Egnp.exe" },
    });
    await expectProblem(spoof, 422, "validation_failed");
    const nul = await call("/v1/users/me", { method: "PATCH", token: user.accessToken, body: { name: "a\u0000b" } });
    await expectProblem(nul, 422, "validation_failed");
    const tz = await call("/v1/users/me", { method: "PATCH", token: user.accessToken, body: { timezone: "utc" } });
    expect(await json(tz)).toMatchObject({ timezone: "UTC" });
  });

  it("bad values -> 422 per field", async () => {
    const user = await signupUser();
    const res = await call("/v1/users/me", {
      method: "PATCH",
      token: user.accessToken,
      body: { timezone: "Mars/Olympus", video_cost_cap_micros: -5 },
    });
    const problem = await expectProblem(res, 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(["body.timezone", "body.video_cost_cap_micros"]);
  });

  it("password change ends every session and the new password works", async () => {
    const user = await signupUser();
    const res = await call("/v1/users/me/password", {
      token: user.accessToken,
      body: { current_password: user.password, new_password: "a-brand-new-password" },
    });
    expect(res.status, await res.clone().text()).toBe(204);
    await expectProblem(
      await call("/v1/auth/refresh", { body: { refresh_token: user.refreshToken } }),
      401,
      "unauthenticated",
    );
    const login = await call("/v1/auth/login", { body: { email: user.email, password: "a-brand-new-password" } });
    expect(login.status).toBe(200);
  });

  it("password change with a wrong current password -> 422 on the field, not a 401", async () => {
    const user = await signupUser();
    const res = await call("/v1/users/me/password", {
      token: user.accessToken,
      body: { current_password: "not-it-at-all", new_password: "a-brand-new-password" },
    });
    const problem = await expectProblem(res, 422, "validation_failed");
    expect(problem.errors).toEqual([{ path: "body.current_password", message: "Wrong password" }]);
  });

  it("DELETE needs the password, removes the user, sessions and keys; every token stops working", async () => {
    const user = await signupUser();
    await call("/v1/api-keys", { token: user.accessToken, body: { name: "k" } });
    await expectProblem(
      await call("/v1/users/me", { method: "DELETE", token: user.accessToken }),
      422,
      "validation_failed",
    );
    await expectProblem(
      await call("/v1/users/me", { method: "DELETE", token: user.accessToken, body: { password: "not-mine" } }),
      422,
      "validation_failed",
    );
    const res = await call("/v1/users/me", {
      method: "DELETE",
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(res.status).toBe(204);
    for (const table of ["users", "refresh_tokens", "api_keys"]) {
      const column = table === "users" ? "id" : "user_id";
      const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = ?`)
        .bind(user.id)
        .first<{ n: number }>();
      expect(row?.n, table).toBe(0);
    }
    await expectProblem(await call("/v1/users/me", { token: user.accessToken }), 401, "unauthenticated");
    // Every route, not only the ones that read the user: the token names an account that is gone.
    await expectProblem(
      await call("/v1/api-keys", { token: user.accessToken, body: { name: "ghost" } }),
      401,
      "unauthenticated",
    );
    await expectProblem(await call("/v1/channels", { token: user.accessToken }), 401, "unauthenticated");
    await expectProblem(
      await call("/v1/realtime/tickets", { method: "POST", token: user.accessToken }),
      401,
      "unauthenticated",
    );
  });
});

describe("api keys", () => {
  it("create shows the key once; it authenticates; list never shows it; revoke stops it", async () => {
    const user = await signupUser();
    const created = await call("/v1/api-keys", { token: user.accessToken, body: { name: "render farm" } });
    expect(created.status, await created.clone().text()).toBe(201);
    const key = await json<{ id: string; key: string; prefix: string }>(created);
    expect(key.key.startsWith("yte_")).toBe(true);
    expect(key.key.startsWith(key.prefix)).toBe(true);

    const me = await call("/v1/users/me", { apiKey: key.key });
    expect(me.status).toBe(200);
    expect(await json(me)).toMatchObject({ id: user.id });
    expect((await call("/v1/users/me", { token: key.key })).status).toBe(200);

    const list = await call("/v1/api-keys", { token: user.accessToken });
    const listed = await list.text();
    expect(listed).toContain(key.id);
    expect(listed).not.toContain(key.key);

    expect((await call(`/v1/api-keys/${key.id}`, { method: "DELETE", token: user.accessToken })).status).toBe(204);
    await expectProblem(await call("/v1/users/me", { apiKey: key.key }), 401, "unauthenticated");
  });

  it("another user's key id -> 404", async () => {
    const owner = await signupUser();
    const other = await signupUser();
    const created = await json<{ id: string }>(
      await call("/v1/api-keys", { token: owner.accessToken, body: { name: "mine" } }),
    );
    await expectProblem(
      await call(`/v1/api-keys/${created.id}`, { method: "DELETE", token: other.accessToken }),
      404,
      "not_found",
    );
  });

  it("lists page by cursor, newest first", async () => {
    const user = await signupUser();
    for (const name of ["a", "b", "c"]) await call("/v1/api-keys", { token: user.accessToken, body: { name } });
    const first = await json<{ data: { name: string }[]; next_cursor: string }>(
      await call("/v1/api-keys?limit=2", { token: user.accessToken }),
    );
    expect(first.data.map((k) => k.name)).toEqual(["c", "b"]);
    const second = await json<{ data: { name: string }[]; next_cursor: string | null }>(
      await call(`/v1/api-keys?limit=2&cursor=${first.next_cursor}`, { token: user.accessToken }),
    );
    expect(second.data.map((k) => k.name)).toEqual(["a"]);
    expect(second.next_cursor).toBeNull();
    await expectProblem(
      await call("/v1/api-keys?cursor=garbage", { token: user.accessToken }),
      422,
      "validation_failed",
    );
  });
});

describe("admin", () => {
  const makeAdmin = async () => (await signupAdmin()).accessToken;

  it("a demoted admin loses admin routes at once, whatever the token says", async () => {
    const admin = await signupAdmin();
    expect((await call("/v1/admin/users", { token: admin.accessToken })).status).toBe(200);
    await env.DB.prepare("UPDATE users SET role = 'user' WHERE id = ?").bind(admin.id).run();
    await expectProblem(await call("/v1/admin/users", { token: admin.accessToken }), 403, "forbidden");
  });

  it("admin routes need a session: an admin's API key -> 403", async () => {
    const admin = await signupAdmin();
    const { key } = await json<{ key: string }>(
      await call("/v1/api-keys", { token: admin.accessToken, body: { name: "ops" } }),
    );
    await expectProblem(await call("/v1/admin/users", { apiKey: key }), 403, "forbidden");
  });

  it("a user on an admin route -> 403", async () => {
    const user = await signupUser();
    await expectProblem(await call("/v1/admin/users", { token: user.accessToken }), 403, "forbidden");
  });

  it("an admin lists users and sets a plan", async () => {
    const token = await makeAdmin();
    const target = await signupUser("target");
    const list = await call(`/v1/admin/users?email=${encodeURIComponent(target.email)}`, { token });
    expect(list.status).toBe(200);
    expect((await json<{ data: { id: string }[] }>(list)).data.map((u) => u.id)).toEqual([target.id]);
    const patched = await call(`/v1/admin/users/${target.id}`, { method: "PATCH", token, body: { plan: "pro" } });
    expect(await json(patched)).toMatchObject({ id: target.id, plan: "pro", role: "user" });
    await expectProblem(
      await call("/v1/admin/users/usr_missing", { method: "PATCH", token, body: { plan: "pro" } }),
      404,
      "not_found",
    );
  });
});
