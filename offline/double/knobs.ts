/**
 * Test knobs of the cloud double, read from `<double dir>/knobs.json` on every call, so a test (or
 * the benchmark) can change them between operations without restarting anything:
 *
 *   {
 *     "latencyMs": { "aws:ecs/service:Service": 500, "*": 0 },
 *     "fail": { "tenants": ["initech"], "types": ["aws:rds/instance:Instance"] },
 *     "health": { "acme": "never-healthy", "globex@2.0.0": "rollback" },
 *     "alarms": { "initech@2.0.0": ["5xx-rate"], "acme": ["*"] },
 *     "exitCodes": { "initech/db-bootstrap": 1 },
 *     "steadyStateTimeoutMs": 3000,
 *     "holdUntilFile": "/tmp/release",
 *     "lookupByUrn": false
 *   }
 *
 * `health` and `alarms` are keyed by tenant (`acme`: whatever image its service runs) or by tenant
 * and image (`acme@2.0.0`, `acme@sha256:<64 hex>`: only while its service runs that image), the
 * image key winning. So a canary can be unhealthy on the new image and healthy again on the old
 * one after its rollback, and an alarm can fire only while the new image runs.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";

/** How a tenant's ECS deployment ends. */
export const HEALTH = ["healthy", "never-healthy", "rollback"] as const;
export type Health = (typeof HEALTH)[number];

export const KnobsSchema = z
  .object({
    /** Delay of create and update per resource type (`*` for every type), ms. @default none */
    latencyMs: z.record(z.string(), z.number().int().nonnegative()).default({}),
    /** Creates and updates that fail with a provider error, by tenant or by type. @default none */
    fail: z
      .object({
        tenants: z.array(z.string()).default([]),
        types: z.array(z.string()).default([]),
      })
      .strict()
      .default({ tenants: [], types: [] }),
    /**
     * How each tenant's ECS deployment ends, by `tenant` or `tenant@image` (see above).
     * @default healthy
     */
    health: z.record(z.string(), z.enum(HEALTH)).default({}),
    /**
     * The tenant's CloudWatch alarms in ALARM, by `tenant` or `tenant@image`: alarm roles (the end
     * of the alarm's Pulumi name: `cpu`, `5xx-rate`, ...) or `*` for all of them. The others are OK.
     * @default none
     */
    alarms: z.record(z.string(), z.array(z.string().min(1))).default({}),
    /**
     * Exit codes of a tenant's task containers, by `<tenant>/<container>` (e.g. `acme/db-bootstrap`),
     * over what their commands give (./containers.ts). @default none
     */
    exitCodes: z.record(z.string(), z.number().int().min(0).max(255)).default({}),
    /** How long a deployment that never gets healthy is waited for, ms. @default 2000 */
    steadyStateTimeoutMs: z.number().int().nonnegative().default(2000),
    /** With a latency: a delay ends as soon as this file exists. @default none */
    holdUntilFile: z.string().optional(),
    /**
     * Whether repair may ask the double's cloud about a pending create by its URN (found: its id;
     * not found: it does not exist). `false` answers as AWS does, which has no lookup by URN, so
     * repair asks the operator (`--import` / `--absent`). @default true
     */
    lookupByUrn: z.boolean().default(true),
  })
  .strict();

/** The knobs, defaults applied. */
export type Knobs = z.output<typeof KnobsSchema>;
/** The knobs as written to the file. */
export type KnobsInput = z.input<typeof KnobsSchema>;

/** The knobs file of a double directory. */
export function knobsPath(dir: string): string {
  return path.join(dir, "knobs.json");
}

/** Reads the knobs. @throws naming the file and the bad field when the file is malformed. */
export function readKnobs(dir: string): Knobs {
  const file = knobsPath(dir);
  if (!fs.existsSync(file)) {
    return KnobsSchema.parse({});
  }
  const parsed = KnobsSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`cloud double: ${file} is invalid: ${issues.join("; ")}`);
  }
  return parsed.data;
}

/** Writes the knobs (tests, the benchmark). */
export function writeKnobs(dir: string, knobs: KnobsInput): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = knobsPath(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(KnobsSchema.parse(knobs), null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/**
 * True when the image reference a task runs (`<repository>:<tag>` or `<repository>@<digest>`) is
 * `image` (a tag, a digest, or the whole reference).
 */
export function imageIs(ref: string, image: string): boolean {
  return ref === image || ref.endsWith(`:${image}`) || ref.endsWith(`@${image}`);
}

/** The entry of a `tenant` / `tenant@image` keyed knob for a tenant running `ref`. */
function byTenantImage<T>(
  table: Readonly<Record<string, T>>,
  tenant: string,
  ref: string | undefined,
): T | undefined {
  for (const [key, value] of Object.entries(table)) {
    const at = key.indexOf("@");
    if (at > 0 && key.slice(0, at) === tenant && ref !== undefined && imageIs(ref, key.slice(at + 1))) {
      return value;
    }
  }
  return table[tenant];
}

/** How the deployment of `tenant` running image `ref` ends. */
export function healthOf(knobs: Knobs, tenant: string | undefined, ref: string | undefined): Health {
  return (tenant !== undefined && byTenantImage(knobs.health, tenant, ref)) || "healthy";
}

/**
 * True when the tenant's alarm named `role` by its program (the end of its Pulumi name) is in ALARM
 * while the tenant runs image `ref`.
 */
export function alarmFiring(
  knobs: Knobs,
  tenant: string | undefined,
  ref: string | undefined,
  resourceName: string,
): boolean {
  const roles = tenant === undefined ? undefined : byTenantImage(knobs.alarms, tenant, ref);
  return (roles ?? []).some((r) => r === "*" || resourceName === r || resourceName.endsWith(`-${r}`));
}
