/**
 * Waivers as code: `policies/waivers.yaml` lists the violations we accept on purpose, each with a
 * reason, an owner and an expiry date. A waived violation is not reported; an expired waiver is a
 * violation of its own (`platform-waivers-expired`), so exceptions cannot outlive their review.
 *
 * The file is validated with zod when the pack loads: a malformed waiver fails the pack, naming the
 * entry, the field and what is allowed.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { formatProblems, issueProblems } from "../../common";

/**
 * Where the checked-in waivers live: policies/waivers.yaml. The compiled pack (policies/dist/) is
 * told the same file by its launcher (`PLATFORM_WAIVERS_FILE`), so waivers are read live, never from
 * a copy in the build.
 */
export const WAIVERS_FILE = process.env.PLATFORM_WAIVERS_FILE || path.join(__dirname, "..", "waivers.yaml");

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One waiver. */
export const WaiverSchema = z
  .object({
    /** The policy waived, e.g. `platform-s3-sse-kms`. */
    policy: z.string().regex(/^platform-[a-z0-9-]+$/, "must be a policy name (platform-<service>-<rule>)"),
    /**
     * Glob over the resource's URN or its logical name: `*` matches any run of characters, `?` one.
     * Example: `urn:pulumi:*-staging::tenant::*::legacy-*` or just `legacy-*`.
     */
    resource: z.string().min(1),
    /** Why the violation is accepted. */
    reason: z.string().min(10, "must say why (at least 10 characters)"),
    /** Who answers for it (a team or a person). */
    owner: z.string().min(1),
    /** Last day (UTC) the waiver applies, `YYYY-MM-DD`. */
    expires: z
      .string()
      .regex(DATE, "must be a date, YYYY-MM-DD")
      .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "is not a calendar date"),
  })
  .strict();

/** One waiver. */
export type Waiver = z.infer<typeof WaiverSchema>;

/** The whole file. */
export const WaiversFileSchema = z.object({ waivers: z.array(WaiverSchema).default([]) }).strict();

/**
 * Parses waivers from YAML text.
 * @throws naming each malformed entry, field and what is allowed.
 */
export function parseWaivers(text: string, source = "waivers.yaml"): readonly Waiver[] {
  const raw = parseYaml(text) ?? {};
  const result = WaiversFileSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(formatProblems(`${source} is invalid`, issueProblems(result.error.issues)));
  }
  return Object.freeze(result.data.waivers.map((w) => Object.freeze(w)));
}

/** Reads and validates a waivers file. */
export function loadWaivers(file: string = WAIVERS_FILE): readonly Waiver[] {
  return parseWaivers(fs.readFileSync(file, "utf8"), file);
}

/** True once the waiver's last day (UTC) has passed. */
export function isExpired(waiver: Waiver, now: Date): boolean {
  return now.getTime() >= Date.parse(`${waiver.expires}T00:00:00Z`) + 24 * 3600 * 1000;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "s");
}

/** True when `waiver` covers `policy` on the resource with this URN (or logical name). */
export function waiverMatches(waiver: Waiver, policy: string, urn: string | undefined): boolean {
  if (waiver.policy !== policy || urn === undefined) {
    return false;
  }
  const re = globToRegExp(waiver.resource);
  const name = urn.split("::").pop() ?? urn;
  return re.test(urn) || re.test(name);
}

/** The active (unexpired) waiver for this violation, if any. */
export function findWaiver(
  waivers: readonly Waiver[],
  policy: string,
  urn: string | undefined,
  now: Date,
): Waiver | undefined {
  return waivers.find((w) => !isExpired(w, now) && waiverMatches(w, policy, urn));
}

/**
 * The waivers and clock the pack uses. Tests and the offline check may swap them
 * ({@link withWaivers}); the engine always uses the checked-in file and the real clock.
 */
interface WaiverState {
  waivers: readonly Waiver[];
  now: () => Date;
}

let state: WaiverState | undefined;

/** The waivers in force, loaded from {@link WAIVERS_FILE} on first use. */
export function activeWaivers(): WaiverState {
  if (!state) {
    state = { waivers: loadWaivers(), now: () => new Date() };
  }
  return state;
}

/** Runs `fn` with other waivers and/or another clock, restoring the previous ones after. */
export async function withWaivers<T>(
  override: { waivers?: readonly Waiver[]; now?: Date },
  fn: () => Promise<T>,
): Promise<T> {
  const previous = activeWaivers();
  state = {
    waivers: override.waivers ?? previous.waivers,
    now: override.now ? () => override.now as Date : previous.now,
  };
  try {
    return await fn();
  } finally {
    state = previous;
  }
}
