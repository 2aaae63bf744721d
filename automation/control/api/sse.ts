/**
 * `GET /v1/operations/{id}/events`: the operation's progress records as Server-Sent Events. Each
 * record's id is its store id, so a client reconnecting with `Last-Event-ID` gets exactly what it
 * missed, from whichever instance it reaches (the records are in the shared store). The stream
 * ends with `event: end` once the operation has ended and every record is sent.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { listProgress } from "../store/events";
import { FINAL_STATUSES, getOperation, OperationStatus } from "../store/operations";
import type { Store } from "../store/store";

const POLL_MS = 250;
const KEEPALIVE_MS = 15_000;

/** Streams the progress of `operationId` after record `after`. */
export async function streamOperationEvents(
  store: Store,
  operationId: string,
  after: number,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write("retry: 2000\n\n");
  let closed = false;
  req.raw.on("close", () => (closed = true));
  let last = after;
  let idle = 0;
  const send = async () => {
    const rows = await listProgress(store.db, operationId, last);
    for (const r of rows) {
      res.write(`id: ${r.id}\nevent: ${r.type}\ndata: ${JSON.stringify({ ...r.data, at: r.at })}\n\n`);
      last = r.id;
    }
    return rows.length;
  };
  try {
    while (!closed) {
      if ((await send()) > 0) {
        idle = 0;
        continue;
      }
      const op = await getOperation(store.db, operationId);
      if (!op || FINAL_STATUSES.includes(op.status as OperationStatus)) {
        // Records are written before the status changes; one more read catches the last ones.
        await send();
        res.write(`event: end\ndata: ${JSON.stringify({ status: op?.status ?? "unknown" })}\n\n`);
        break;
      }
      idle += POLL_MS;
      if (idle >= KEEPALIVE_MS) {
        res.write(": keep-alive\n\n");
        idle = 0;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    res.end();
  }
}
