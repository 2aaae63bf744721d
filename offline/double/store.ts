/**
 * The cloud double's cloud: a directory with one JSON record per resource
 * (`<dir>/resources/<type>/<id>.json`). Editing a record is a change made "outside Pulumi", which
 * `refresh` and `drift` see; deleting one is a resource deleted out of band. Secret values never
 * reach the disk: a record holds the SHA-256 of each secret property, and reads give the value back
 * from Pulumi's (encrypted) state when the digest still matches.
 *
 * Several plugin processes (one per stack operation) share a directory: every write is a rename of
 * a complete file, so a reader sees the old record or the new one, never half of one.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** The marker of a secret value in the wire format (acceptSecrets): `{ [SECRET_SIG]: SECRET_VALUE, value }`. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";
/** The marker of an unknown value during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A secret property in a record: only its digest. */
export interface StoredSecret {
  readonly secretSha256: string;
}

/** One resource of the double's cloud. */
export interface CloudRecord {
  readonly type: string;
  readonly id: string;
  /** The URN of the stack resource that created it (which stack, which name). */
  readonly urn: string;
  /** Its state (inputs and computed values), secrets as {@link StoredSecret}. */
  readonly properties: Record<string, unknown>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** True for a wire-format secret. */
export function isSecret(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE
  );
}

/** Wraps `value` as a wire-format secret. */
export function secret(value: unknown): Record<string, unknown> {
  return { [SECRET_SIG]: SECRET_VALUE, value };
}

/** The value with every secret wrapper removed, deeply. */
export function reveal(value: unknown): any {
  if (isSecret(value)) {
    return reveal(value.value);
  }
  if (Array.isArray(value)) {
    return value.map(reveal);
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}

/** True when the value holds an unknown anywhere. */
export function hasUnknown(value: unknown): boolean {
  if (value === UNKNOWN) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.some(hasUnknown);
  }
  if (value && typeof value === "object") {
    return Object.values(value).some(hasUnknown);
  }
  return false;
}

function digest(value: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(reveal(value)))
    .digest("hex");
}

function isStoredSecret(value: unknown): value is StoredSecret {
  return (
    typeof value === "object" && value !== null && typeof (value as StoredSecret).secretSha256 === "string"
  );
}

/** The record's form of `properties`: secrets (top-level or nested) replaced by their digests. */
export function toStored(value: unknown): any {
  if (isSecret(value)) {
    return { secretSha256: digest(value.value) };
  }
  if (Array.isArray(value)) {
    return value.map(toStored);
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toStored(v)]));
  }
  return value;
}

/**
 * The wire form of stored properties: each digest is given back as the secret from `known` (the
 * state Pulumi holds) when it matches; a digest that no longer matches stays, so the change shows.
 */
export function fromStored(stored: unknown, known: unknown): any {
  if (isStoredSecret(stored)) {
    const candidate = isSecret(known) ? known.value : known;
    return candidate !== undefined && digest(candidate) === stored.secretSha256
      ? secret(reveal(candidate))
      : stored;
  }
  if (Array.isArray(stored)) {
    return stored.map((v, i) =>
      fromStored(v, Array.isArray(reveal(known)) ? (known as unknown[])[i] : undefined),
    );
  }
  if (stored && typeof stored === "object") {
    const k =
      known && typeof known === "object" && !isSecret(known) ? (known as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(stored).map(([key, v]) => [key, fromStored(v, k[key])]));
  }
  return stored;
}

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 200);
}

/** The store of one double directory. */
export class CloudStore {
  constructor(readonly dir: string) {}

  /** Where the record of (`type`, `id`) lives. */
  recordPath(type: string, id: string): string {
    return path.join(this.dir, "resources", safe(type), `${safe(id)}.json`);
  }

  get(type: string, id: string): CloudRecord | undefined {
    const file = this.recordPath(type, id);
    try {
      return JSON.parse(fs.readFileSync(file, "utf8")) as CloudRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return undefined;
      }
      throw new Error(`cloud double: record ${file} is not valid JSON: ${(error as Error).message}`);
    }
  }

  put(record: Omit<CloudRecord, "createdAt" | "updatedAt"> & { createdAt?: string }): CloudRecord {
    const now = new Date().toISOString();
    const full: CloudRecord = {
      ...record,
      properties: toStored(record.properties),
      createdAt: record.createdAt ?? now,
      updatedAt: now,
    };
    const file = this.recordPath(record.type, record.id);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(full, null, 2)}\n`);
    fs.renameSync(tmp, file);
    return full;
  }

  delete(type: string, id: string): void {
    fs.rmSync(this.recordPath(type, id), { force: true });
  }

  /** Every record, optionally of one type. */
  list(type?: string): CloudRecord[] {
    const root = path.join(this.dir, "resources");
    if (!fs.existsSync(root)) {
      return [];
    }
    const types = type ? [safe(type)] : fs.readdirSync(root);
    return types.flatMap((t) => {
      const dir = path.join(root, t);
      if (!fs.existsSync(dir)) {
        return [];
      }
      return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as CloudRecord);
    });
  }
}
