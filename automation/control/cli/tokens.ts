/**
 * `npm run tokens -- create|list|revoke`: API tokens of the control plane, in the store the
 * service uses (PLATFORM_DATA_DIR or DATABASE_URL). `create` prints the token once; the store
 * keeps only its hash.
 *
 *   npm run tokens -- create --name ci-bot --role ci [--tenant acme --tenant globex]
 *   npm run tokens -- list [--json]
 *   npm run tokens -- revoke <token-id>
 */
import { Command, CommanderError } from "commander";
import { tenantIdProblems } from "../../../common";
import { createToken, isRole, listTokens, revokeToken, ROLES } from "../auth";
import { readControlConfig } from "../config";
import { silenceSqliteWarning } from "../main";
import { Store } from "../store/store";

/** Where the CLI writes. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Runs the CLI; returns the exit code (0 ok, 1 failed, 2 bad input). */
export async function main(
  argv: readonly string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const parsed = readControlConfig(env);
  if (parsed.problems) {
    io.err(
      `settings are invalid:\n  - ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join("\n  - ")}\n`,
    );
    return 2;
  }
  const open = () => Store.open({ databaseUrl: parsed.config.databaseUrl, dataDir: parsed.config.dataDir });
  let code = 0;
  const program = new Command("tokens")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .description("API tokens of the control plane");
  program
    .command("create")
    .requiredOption("--name <name>", "who or what uses it (shown in the audit log)")
    .requiredOption("--role <role>", `one of ${ROLES.join(", ")}`)
    .option(
      "--tenant <id>",
      "limit the token to this tenant (repeat for more)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--json", "print JSON")
    .action(async (o: { name: string; role: string; tenant: string[]; json?: boolean }) => {
      const problems: string[] = [];
      if (!isRole(o.role))
        problems.push(`--role: ${JSON.stringify(o.role)} is not one of ${ROLES.join(", ")}`);
      if (!/^[\w.@-]{1,64}$/.test(o.name))
        problems.push(`--name: ${JSON.stringify(o.name)} is not 1 to 64 letters, digits, . _ @ -`);
      for (const t of o.tenant) problems.push(...tenantIdProblems(t).map((p) => `--tenant: ${p}`));
      if (problems.length > 0) {
        io.err(`invalid input:\n  - ${problems.join("\n  - ")}\n`);
        code = 2;
        return;
      }
      const store = await open();
      try {
        const { token, info } = await createToken(store.db, {
          name: o.name,
          role: o.role as (typeof ROLES)[number],
          tenants: o.tenant,
        });
        if (o.json) {
          io.out(`${JSON.stringify({ ...info, token })}\n`);
        } else {
          io.out(
            `created token ${info.id} (${info.name}, role ${info.role}${info.tenants ? `, tenants ${info.tenants.join(", ")}` : ""})\n`,
          );
          io.out(`${token}\n`);
          io.out("this is the only time it is shown; the store keeps only its hash\n");
        }
      } finally {
        await store.close();
      }
    });
  program
    .command("list")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const store = await open();
      try {
        const tokens = await listTokens(store.db);
        if (o.json) {
          io.out(`${JSON.stringify(tokens, null, 2)}\n`);
          return;
        }
        for (const t of tokens) {
          io.out(
            `${t.id}  ${t.name.padEnd(20)} ${t.role.padEnd(8)} ${t.tenants ? t.tenants.join(",") : "(all tenants)"}  ` +
              `${t.revokedAt ? `revoked ${t.revokedAt}` : `created ${t.createdAt}`}\n`,
          );
        }
        if (tokens.length === 0)
          io.out("no tokens; create one with `npm run tokens -- create --name admin --role admin`\n");
      } finally {
        await store.close();
      }
    });
  program
    .command("revoke")
    .argument("<id>", "the token's id (from list)")
    .action(async (id: string) => {
      const store = await open();
      try {
        if (await revokeToken(store.db, id)) {
          io.out(`revoked ${id}\n`);
        } else {
          io.err(`no active token ${JSON.stringify(id)}; see \`npm run tokens -- list\`\n`);
          code = 1;
        }
      } finally {
        await store.close();
      }
    });
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  return code;
}

if (require.main === module) {
  silenceSqliteWarning();
  main(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) })
    .then((code) => process.exit(code))
    .catch((error) => {
      process.stderr.write(`tokens: ${(error as Error).message}\n`);
      process.exit(1);
    });
}
