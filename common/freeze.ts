/** Deep freezing, for the catalogs and the parsed values that travel typed and must not change. */

/** Freezes `value` and every object inside it, in place; returns it. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
