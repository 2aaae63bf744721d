// The HTTP service: `/healthz` for the load balancer's and the container's health checks, `/` for
// a greeting that names the tenant. Plain node:http, no framework.
"use strict";

const http = require("node:http");
const { version } = require("../package.json");

/** The request handler. */
function handler(env = process.env) {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "GET" && req.method !== "HEAD") {
      return send(res, 405, { error: "method not allowed" });
    }
    if (url.pathname === "/healthz") {
      return send(res, 200, { status: "ok", version: env.APP_VERSION || version });
    }
    if (url.pathname === "/") {
      return send(res, 200, {
        service: "platform-sample-app",
        tenant: env.TENANT_ID ?? null,
        environment: env.APP_ENV ?? null,
      });
    }
    return send(res, 404, { error: "not found" });
  };
}

function send(res, status, body) {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Starts listening on `port` (0: any free port); resolves with the server once it listens. */
function startServer({ port = 8080, host = "0.0.0.0", env = process.env } = {}) {
  const server = http.createServer(handler(env));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

module.exports = { handler, startServer };
