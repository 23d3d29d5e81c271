import type { Database } from "../db/client";
import type { UserRow } from "../db/schema";
import type { Config, Env } from "../env";
import type { Logger } from "./logger";

/**
 * Who is calling: a user through a JWT or through one of their API keys. `user` is the row as it is
 * now (read on every request), so a deleted account or a changed role takes effect at once.
 */
export interface Principal {
  userId: string;
  role: "user" | "admin";
  via: "jwt" | "api_key";
  apiKeyId?: string;
  user: UserRow;
}

export interface AppVariables {
  requestId: string;
  config: Config;
  db: Database;
  logger: Logger;
  principal?: Principal;
}

/** The Hono environment every router and middleware of the app shares. */
export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}

/** The service dependencies of a request, taken from the context the services middleware filled. */
export function depsOf(c: { env: Env; var: AppVariables }) {
  return { env: c.env, config: c.var.config, db: c.var.db, logger: c.var.logger };
}
