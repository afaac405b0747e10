// ShareDB (in-memory database, ot-text-unicode documents) over WebSocket, for the comparison.
// Env: PORT (0 = any free port), HOST (127.0.0.1). Prints "listening on http://HOST:PORT" on stderr.
import http from "node:http";
import ShareDB from "sharedb";
import WebSocketJSONStream from "@teamwork/websocket-json-stream";
import { WebSocketServer } from "ws";
import otText from "ot-text-unicode";

ShareDB.types.register(otText.type);
const backend = new ShareDB(); // MemoryDB + in-process pub/sub: ShareDB's default single-process setup
const server = http.createServer((req, res) => {
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server });
wss.on("connection", (ws) => backend.listen(new WebSocketJSONStream(ws)));

const host = process.env.HOST || "127.0.0.1";
server.listen(Number(process.env.PORT || 0), host, () => {
  process.stderr.write(`listening on http://${host}:${server.address().port}\n`);
});
const stop = () => {
  for (const c of wss.clients) c.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
