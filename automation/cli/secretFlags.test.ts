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

  test("malformed pairs keep their own message", () => {
    expect(() => secretsFromFlags(["1novalue"])).toThrow(
      '--secret: "1novalue" is not KEY=VALUE with KEY a letter then letters, digits or _',
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
