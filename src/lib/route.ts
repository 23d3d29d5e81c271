import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "./context";

/** A handler typed by its route contract: params, body and responses keep their types in their own file. */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;

/** Security requirement for routes that take a user's access token or an API key. */
export const authenticated: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKey: [] }];
/** Security requirement for routes a person calls with an access token only. */
export const sessionOnly: Record<string, string[]>[] = [{ bearerAuth: [] }];
