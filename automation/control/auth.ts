/**
 * Tokens, roles and what each role may do. A token is 32 random bytes (`plt_<base64url>`); the
 * store keeps only its SHA-256 (a high-entropy secret needs no slow hash: nothing to brute-force),
 * so a leaked database holds no usable token. A token may be scoped to some tenants.
 */
import * as crypto from "crypto";
import { Db, isoNow, newId, parseJson } from "./store/store";

/** The roles, from most to least powerful. */
export const ROLES = ["admin", "operator", "ci", "viewer"] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** What a route needs. */
export type Permission =
  "read" | "preview" | "operate" | "fleet-preview" | "fleet-operate" | "offboard-production" | "admin";

/**
 * Each role's permissions. `ci` is preview and read only (pull requests preview a spec change);
 * `operator` runs everything but production offboarding and administration.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = Object.freeze({
  admin: ["read", "preview", "operate", "fleet-preview", "fleet-operate", "offboard-production", "admin"],
  operator: ["read", "preview", "operate", "fleet-preview", "fleet-operate"],
  ci: ["read", "preview", "fleet-preview"],
  viewer: ["read"],
});

/** Whether `value` is a role. */
export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** The caller, once its token is checked. */
export interface Principal {
  readonly tokenId: string;
  readonly name: string;
  readonly role: Role;
  /** Tenants the token is limited to; undefined for all. */
  readonly tenants?: readonly string[];
}

/** Whether the principal holds the permission. */
export function can(principal: Principal, permission: Permission): boolean {
  return ROLE_PERMISSIONS[principal.role].includes(permission);
}

/** Whether the principal may act on the tenant (its scope). */
export function inScope(principal: Principal, tenant: string): boolean {
  return principal.tenants === undefined || principal.tenants.includes(tenant);
}

/** The hash the store keeps. */
export function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

/** A token as listed (never its secret). */
export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly tenants?: readonly string[];
  readonly createdAt: string;
  readonly revokedAt?: string;
  readonly lastUsedAt?: string;
}

/** Creates a token; the secret is returned once and never stored. */
export async function createToken(
  db: Db,
  input: { name: string; role: Role; tenants?: readonly string[] },
): Promise<{ token: string; info: TokenInfo }> {
  const token = `plt_${crypto.randomBytes(32).toString("base64url")}`;
  const row = {
    id: newId("tok"),
    name: input.name,
    role: input.role,
    tenants: input.tenants && input.tenants.length > 0 ? JSON.stringify([...input.tenants].sort()) : null,
    hash: hashToken(token),
    created_at: isoNow(),
    revoked_at: null,
    last_used_at: null,
  };
  await db.insertInto("tokens").values(row).execute();
  return { token, info: tokenInfo(row) };
}

/** The principal of a presented token, or undefined when unknown or revoked. */
export async function authenticate(db: Db, token: string): Promise<Principal | undefined> {
  const row = await db
    .selectFrom("tokens")
    .selectAll()
    .where("hash", "=", hashToken(token))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (!row || !isRole(row.role)) {
    return undefined;
  }
  const tenants = parseJson<string[]>(row.tenants);
  return { tokenId: row.id, name: row.name, role: row.role, ...(tenants ? { tenants } : {}) };
}

/** Every token, newest first. */
export async function listTokens(db: Db): Promise<TokenInfo[]> {
  const rows = await db.selectFrom("tokens").selectAll().orderBy("created_at", "desc").execute();
  return rows.map(tokenInfo);
}

/** Revokes a token; false when there is no such active token. */
export async function revokeToken(db: Db, id: string): Promise<boolean> {
  const result = await db
    .updateTable("tokens")
    .set({ revoked_at: isoNow() })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** How many active tokens exist (the first start says how to create one). */
export async function activeTokenCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom("tokens")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("revoked_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function tokenInfo(row: {
  id: string;
  name: string;
  role: string;
  tenants: string | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}): TokenInfo {
  const tenants = parseJson<string[]>(row.tenants);
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    ...(tenants ? { tenants } : {}),
    createdAt: row.created_at,
    ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
    ...(row.last_used_at ? { lastUsedAt: row.last_used_at } : {}),
  };
}
