/**
 * Every route of the API in one table: method, path, who may call it, its schemas and its
 * handler, one module per resource under routes/. The server registers the table and the OpenAPI
 * document is generated from it, so a route cannot exist without being documented.
 */
import type { Route } from "./route";
import { ENVIRONMENT_ROUTES } from "./routes/environments";
import { EVENT_ROUTES } from "./routes/events";
import { FLEET_ROUTES } from "./routes/fleet";
import { OPERATION_ROUTES } from "./routes/operations";
import { ROLLOUT_ROUTES } from "./routes/rollouts";
import { serviceRoutes } from "./routes/service";
import { TENANT_ROUTES } from "./routes/tenants";

export type { Route } from "./route";
export { TENANT_PAGE } from "./routes/tenants";

/** The API's version (the `/v1` contract's revision). */
export const API_VERSION = "1.0.0";

/** The table. */
export const ROUTES: readonly Route[] = [
  ...serviceRoutes(() => ROUTES, API_VERSION),
  ...TENANT_ROUTES,
  ...OPERATION_ROUTES,
  ...FLEET_ROUTES,
  ...ENVIRONMENT_ROUTES,
  ...EVENT_ROUTES,
  ...ROLLOUT_ROUTES,
];
