/**
 * Test knobs of the cloud double, read from `<double dir>/knobs.json` on every call, so a test (or
 * the benchmark) can change them between operations without restarting anything:
 *
 *   {
 *     "latencyMs": { "aws:ecs/service:Service": 500, "*": 0 },
 *     "fail": { "tenants": ["initech"], "types": ["aws:rds/instance:Instance"] },
 *     "health": { "acme": "never-healthy", "globex": "rollback" },
 *     "exitCodes": { "initech/db-bootstrap": 1 },
 *     "steadyStateTimeoutMs": 3000,
 *     "holdUntilFile": "/tmp/release"
 *   }
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
    /** How each tenant's ECS deployment ends. @default healthy */
    health: z.record(z.string(), z.enum(HEALTH)).default({}),
    /**
     * Exit codes of a tenant's task containers, by `<tenant>/<container>` (e.g. `acme/db-bootstrap`),
     * over what their commands give (./containers.ts). @default none
     */
    exitCodes: z.record(z.string(), z.number().int().min(0).max(255)).default({}),
    /** How long a deployment that never gets healthy is waited for, ms. @default 2000 */
    steadyStateTimeoutMs: z.number().int().nonnegative().default(2000),
    /** With a latency: a delay ends as soon as this file exists. @default none */
    holdUntilFile: z.string().optional(),
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
