/**
 * Redaction of secret values from text the engine or the CLI produced (error messages, stderr,
 * diagnostics) before it reaches a person, a log or a JSON document (issue 9, secret hygiene).
 */

/** What a redacted value is replaced with. */
export const REDACTED = "[secret]";

/**
 * `text` with every occurrence of each value replaced by {@link REDACTED}: as given, and as it
 * appears inside a JSON string (config values such as `tenant:secrets` are JSON). Longest first, so
 * a value that contains another is redacted whole.
 */
export function redactValues(text: string, values: Iterable<string>): string {
  const forms = new Set<string>();
  for (const value of values) {
    if (value !== "") {
      forms.add(value);
      forms.add(JSON.stringify(value).slice(1, -1));
      forms.add(JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1));
    }
  }
  let out = text;
  for (const form of [...forms].filter((f) => f !== "").sort((a, b) => b.length - a.length)) {
    out = out.split(form).join(REDACTED);
  }
  return out;
}
