import { UnknownValueError } from "@pulumi/policy";

/**
 * Small readers for resource properties as policies receive them: values may be missing, numbers may
 * arrive as strings (provider inputs, parameter values), lists may be absent.
 */

/** `value` as an array: `[]` for undefined/null, `[value]` for a single item. */
export function list<T>(value: T | readonly T[] | undefined | null): T[] {
  if (value === undefined || value === null) {
    return [];
  }
  return Array.isArray(value) ? [...value] : [value as T];
}

/** `value` as a number, or undefined when it is missing or not numeric. */
export function num(value: unknown): number | undefined {
  if (typeof value === "number") {
    return value;
  }
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) {
    return Number(value);
  }
  return undefined;
}

/** True for a non-empty string. */
export function present(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/**
 * True when `keyRef` names a customer managed KMS key: set, and not an AWS managed key alias
 * (`alias/aws/<service>`), which cannot be scoped by key policy or audited per key.
 */
export function isCustomerKey(keyRef: unknown): boolean {
  return present(keyRef) && !/(^|:)alias\/aws\//.test(keyRef);
}

/** Renders a value for a message. */
export function show(value: unknown): string {
  return value === undefined ? "unset" : JSON.stringify(value);
}

/** Marks a value the engine does not know yet (a preview, before the resource it comes from exists). */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");

/**
 * Reads a property that may be unknown during preview. The props proxy throws `UnknownValueError` on
 * an unknown value, which makes the engine skip the whole policy for the resource ("can't run during
 * preview"); reading through this lets the other rules of the policy still run.
 */
export function known<T>(get: () => T): T | typeof UNKNOWN {
  try {
    return get();
  } catch (e) {
    if (e instanceof UnknownValueError) {
      return UNKNOWN;
    }
    throw e;
  }
}

/**
 * True when the key reference `get` reads is a customer managed key. An unknown reference counts:
 * it is the output of a resource of this deployment (a key, or a base stack output), while AWS
 * managed keys can only be named by literal aliases, which are always known.
 */
export function isCustomerKeyRef(get: () => unknown): boolean {
  const value = known(get);
  return value === UNKNOWN || isCustomerKey(value);
}

/** True when `get` reads a non-empty string, or a value not known yet (set from another resource). */
export function isSetRef(get: () => unknown): boolean {
  const value = known(get);
  return value === UNKNOWN || present(value);
}
