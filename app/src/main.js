#!/usr/bin/env node
// The image's entry point: `serve` (the default command) runs the HTTP service, `migrate` applies
// the database migrations and exits (the tenant task runs it in its `migrate` container before the
// app starts; tenants/service.ts). Exit codes: 0 done, 1 failed, 2 unknown command.
"use strict";

const { startServer } = require("./server");
const { migrateFromEnv } = require("./migrate");

async function main(argv) {
  const command = argv[0] ?? "serve";
  switch (command) {
    case "serve": {
      const server = await startServer({ port: Number(process.env.PORT ?? 8080) });
      const stop = () => server.close(() => process.exit(0));
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
      return undefined;
    }
    case "migrate": {
      const applied = await migrateFromEnv(process.env);
      process.stdout.write(`migrate: ${applied.length ? `applied ${applied.join(", ")}` : "up to date"}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command ${JSON.stringify(command)}; use serve or migrate\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => code !== undefined && process.exit(code),
  (error) => {
    // Never print the error object itself: a connection error can carry the connection settings.
    process.stderr.write(`${command0()} failed: ${error && error.message ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

function command0() {
  return process.argv[2] ?? "serve";
}
