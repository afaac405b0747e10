// Builds a document whose stored log is expensive to replay: `ops` operations alternating an insert
// of `size` characters into the empty text and its deletion, all pipelined on one connection
// (edit i is made against revision i: the server takes one connection's frames in order).
import { join } from "./client.mjs";

/** Writes the log through `wsUrl`; resolves once every edit is acknowledged. The connection stays
 *  open (closing it would store a snapshot): the caller kills the server to keep the log unsnapshotted. */
export async function buildBigLog(wsUrl, id, { ops = 400, size = 200000 } = {}) {
  const [c] = await join(wsUrl, id);
  const chunk = "0123456789abcdefghijklmnopqrstuvwxyz".repeat(Math.ceil(size / 36)).slice(0, size);
  for (let i = 0; i < ops; i++) {
    const operation = i % 2 === 0 ? [`${i}:` + chunk.slice(String(i).length + 1)] : [-size];
    c.send({ Edit: { revision: i, operation, client: `builder-${id}`, seq: i + 1 } });
  }
  await c.recvUntil((f) => f.History && f.History.operations.some((o) => o.seq === ops), 120000);
  return c;
}
