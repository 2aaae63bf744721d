/**
 * `--secret` on `tenant onboard` and `tenant update`: the pairs are checked with the tenant
 * program's own check of `tenant:secrets` (tenants/secretNames.ts), every problem at once, naming the
 * key and never the value, before anything is written or created.
 */
import { problemLines, UsageError } from "../../common";
import { secretFlagProblems, secretsFromFlags } from "./flags";

describe("--secret", () => {
  test("NAME=VALUE pairs give the secrets; a value may hold '='", () => {
    expect(secretsFromFlags(["API_TOKEN=a=b", "SMTP_PASSWORD=x"])).toEqual({
      API_TOKEN: "a=b",
      SMTP_PASSWORD: "x",
    });
    expect(secretsFromFlags([])).toEqual({});
    expect(secretFlagProblems({})).toEqual([]);
  });

  test("names that are not environment variable names or are the platform's are refused, values never shown", () => {
    let error: unknown;
    try {
      secretsFromFlags(["apiToken=v-1", "REDIS_URL=v-2", "TENANT_ID=v-3"]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(problemLines((error as UsageError).problems)).toEqual([
      '--secret.apiToken: "apiToken" is not an environment variable name: an upper-case letter, then upper-case letters, digits or _, at most 64 characters (e.g. API_TOKEN)',
      '--secret.REDIS_URL: "REDIS_URL" starts with a prefix reserved for the platform (AWS_, ECS_, DB_, REDIS_); choose another name',
      '--secret.TENANT_ID: "TENANT_ID" is set by the platform itself; choose another name',
    ]);
    expect((error as UsageError).message).not.toMatch(/v-1|v-2|v-3/);
  });

  test("malformed pairs keep their own message, and never show what may be a value", () => {
    expect(() => secretsFromFlags(["hunter2"])).toThrow(
      '--secret: an argument has no "="; expected NAME=value, or NAME with the value in the environment variable NAME (the argument is not shown: it may be a value)',
    );
    expect(() => secretsFromFlags(["hunter2"])).not.toThrow(/hunter2/);
    expect(() => secretsFromFlags(["=hunter2"])).toThrow(
      '--secret: ""=... is not NAME=value with NAME a letter then letters, digits or _',
    );
    expect(() => secretsFromFlags(["=hunter2"])).not.toThrow(/hunter2/);
  });

  test("an empty value is reported as an empty value of that name, not as a bad name (issue 10, item 9)", () => {
    let error: unknown;
    try {
      secretsFromFlags(["API_TOKEN=", "SMTP_PASSWORD=x"]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(problemLines((error as UsageError).problems)).toEqual([
      "--secret.API_TOKEN: the value is empty; expected API_TOKEN=<a non-empty value>",
    ]);
  });

  test("a name given twice is refused, not silently the last value", () => {
    expect(() => secretsFromFlags(["API_TOKEN=a", "API_TOKEN=b"])).toThrow(
      "--secret.API_TOKEN: is given more than once; give each secret once",
    );
  });

  test("NAME alone takes the value from the environment variable NAME (out of process arguments)", () => {
    expect(secretsFromFlags(["API_TOKEN", "SMTP_PASSWORD=x"], { API_TOKEN: "from-env" })).toEqual({
      API_TOKEN: "from-env",
      SMTP_PASSWORD: "x",
    });
    expect(() => secretsFromFlags(["API_TOKEN"], {})).toThrow(
      "--secret: API_TOKEN: the environment variable API_TOKEN is not set or empty; export it with the secret's value (kept out of process arguments), or give API_TOKEN=VALUE",
    );
    expect(() => secretsFromFlags(["API_TOKEN"], { API_TOKEN: "" })).toThrow(/API_TOKEN is not set or empty/);
  });
});
