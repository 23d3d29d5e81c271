import type { Database } from "../db/client";
import type { Config, Env } from "../env";
import type { Logger } from "../lib/logger";

/** What a service function needs from the request: bindings, parsed config, the db and a logger. */
export interface ServiceDeps {
  env: Env;
  config: Config;
  db: Database;
  logger: Logger;
}
