/**
 * Entry point of the tenant project (`pulumi -C tenants up -s <tenant>-<env>`): read the config,
 * declare the tenant's stack, export its outputs. Everything else lives in program.ts.
 */
import { tenantProgram } from "./program";

export = tenantProgram();
