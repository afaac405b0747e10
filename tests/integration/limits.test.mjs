// Connection and storage limits: slow readers, dead peers, heartbeats, and a disk that fills up.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, httpGet, getText, eventually, docId } from "./lib/client.mjs";
import { sleep } from "./lib/typist.mjs";

/** Sends `n` edits that alternately insert `size` characters at the end and remove them again. */
async function churn(writer, n, size, from = 0) {
  const chunk = "w".repeat(size);
  for (let i = 0; i < n; i++) {
    const rev = from + i;
    const operation = i % 2 === 0 ? [chunk] : [-size];
    writer.send({ Edit: { revision: rev, operation } });
    await writer.recvUntil((f) => f.History?.start === rev);
  }
}

test("a reader that stops reading is dropped at WS_SEND_QUEUE_LIMIT_KB at once; the others keep going", async () => {
  const fx = new ServerFixture({ WS_SEND_QUEUE_LIMIT_KB: 256, WS_WRITE_TIMEOUT_SECONDS: 60 });
  await fx.start();
  try {
    const doc = docId("slow");
    const [writer] = await join(fx.wsUrl, doc);
    const [slow, idSlow] = await join(fx.wsUrl, doc);
    const [reader] = await join(fx.wsUrl, doc);
    slow.ws._socket.pause();  // stop reading: the kernel buffers fill, then the server's queue grows
    // Up to 200 edits of 60,000 characters (~12 MB, beyond loopback socket buffers); the reader
    // must be told of the drop long before the 60 s write timeout could be the cause.
    const size = 60000, chunk = "w".repeat(size);
    let rev = 0, got = 0, dropped = false;
    for (; rev < 200 && !dropped; rev++) {
      writer.send({ Edit: { revision: rev, operation: rev % 2 ? [-size] : [chunk] } });
      await writer.recvUntil((f) => f.History?.start === rev);
      for (const { data } of reader.queue.splice(0)) {
        if (data.History) got += data.History.operations.length;
        if (data.UserInfo?.id === idSlow && data.UserInfo.info === null) dropped = true;
      }
    }
    assert.ok(dropped, `the slow reader was not dropped during ${rev} edits of ${size} characters`);
    await eventually(async () => {
      for (const { data } of reader.queue.splice(0)) if (data.History) got += data.History.operations.length;
      return got === rev;
    }, 10000, "the normal reader received every edit");
    slow.ws._socket.resume();
    await slow.waitClosed(10000);
    const slowGot = slow.queue.filter((f) => f.data.History).length;
    assert.ok(slowGot < rev, `the slow reader was cut off (it received ${slowGot} of ${rev} edits)`);
    assert.equal(writer.closed, null);
    assert.equal(reader.closed, null);
    await Promise.all([writer.close(), reader.close()]);
  } finally {
    await fx.dispose();
  }
});

test("a reader whose socket stays blocked past WS_WRITE_TIMEOUT_SECONDS is dropped", async () => {
  const fx = new ServerFixture({ WS_SEND_QUEUE_LIMIT_KB: 1 << 20, WS_WRITE_TIMEOUT_SECONDS: 1 });
  await fx.start();
  try {
    const doc = docId("wto");
    const [writer] = await join(fx.wsUrl, doc);
    const [slow, idSlow] = await join(fx.wsUrl, doc);
    const [reader] = await join(fx.wsUrl, doc);
    slow.ws._socket.pause();
    await churn(writer, 200, 60000);  // ~12 MB: the kernel buffers fill and a write blocks
    await reader.recvUntil((f) => f.UserInfo?.id === idSlow && f.UserInfo.info === null, 8000);
    slow.ws._socket.resume();
    await slow.waitClosed(5000);
    assert.equal(writer.closed, null);
    assert.equal(reader.closed, null);
    await Promise.all([writer.close(), reader.close()]);
  } finally {
    await fx.dispose();
  }
});

test("heartbeat pings arrive every WS_HEARTBEAT_INTERVAL_SECONDS", async () => {
  const fx = new ServerFixture({ WS_HEARTBEAT_INTERVAL_SECONDS: 0.2 });
  await fx.start();
  try {
    const [c] = await join(fx.wsUrl, docId("ping"));
    const at = [];
    c.ws.on("ping", () => at.push(Date.now()));
    await eventually(() => at.length >= 3, 10000, "three pings");
    // Waiting for them bounds the interval from above; their spacing bounds it from below.
    assert.ok(at[2] - at[0] >= 200, `pings ${at[1] - at[0]} and ${at[2] - at[1]} ms apart at a 0.2 s interval`);
    assert.equal(c.closed, null, "a client answering pings stays connected");
    await c.close();
  } finally {
    await fx.dispose();
  }
});

test("an idle reader that answers pings outlives WS_READ_TIMEOUT_MINUTES", async () => {
  const fx = new ServerFixture({ WS_READ_TIMEOUT_MINUTES: 0.01, WS_HEARTBEAT_INTERVAL_SECONDS: 0.1 });  // 0.6 s
  await fx.start();
  try {
    const [c] = await join(fx.wsUrl, docId("reader"));  // sends nothing; ws answers pings itself
    await sleep(1500);
    assert.equal(c.closed, null, "a reading user is not disconnected");
    await c.close();
  } finally {
    await fx.dispose();
  }
});

test("a peer that stops answering pings is dropped and announced as gone", async () => {
  const fx = new ServerFixture({ WS_HEARTBEAT_INTERVAL_SECONDS: 0.1 });
  await fx.start();
  try {
    const doc = docId("dead");
    const [dead, idDead] = await join(fx.wsUrl, doc);
    const [alive] = await join(fx.wsUrl, doc);
    dead.ws._socket.pause();  // reads nothing, answers no ping
    await alive.expect({ UserInfo: { id: idDead, info: null } }, 5000);
    dead.ws._socket.resume();
    await dead.waitClosed(5000);
    alive.send({ Edit: { revision: 0, operation: ["still here"] } });
    await alive.recvUntil((f) => f.History);
    await alive.close();
  } finally {
    await fx.dispose();
  }
});

test("a connection silent for WS_READ_TIMEOUT_MINUTES is closed; an active one is not", async () => {
  const fx = new ServerFixture({ WS_READ_TIMEOUT_MINUTES: 0.01, WS_HEARTBEAT_INTERVAL_SECONDS: 0 });  // 0.6 s
  await fx.start();
  try {
    const doc = docId("idle");
    const [silent, idSilent] = await join(fx.wsUrl, doc);
    const [active, idActive] = await join(fx.wsUrl, doc);
    const t0 = Date.now();
    let stop = false;
    const moving = (async () => {
      for (let i = 0; !stop; i++) { active.send({ CursorData: { cursors: [0], selections: [] } }); await sleep(150); }
    })();
    const closed = await silent.waitClosed(5000);
    const ms = Date.now() - t0;
    assert.ok(ms >= 400, `closed after ${ms} ms, before the 0.6 s timeout`);
    assert.ok(closed.code >= 1000 && closed.code !== 1006, `closed with a close frame, got ${closed.code}`);
    await sleep(1000);  // the active one outlives the timeout
    stop = true;
    await moving;
    assert.equal(active.closed, null);
    await eventually(() => active.queue.some((f) => f.data.UserInfo?.id === idSilent && f.data.UserInfo.info === null),
      5000, "the silent one announced as gone");
    await eventually(() => active.queue.some((f) => f.data.UserCursor?.id === idActive), 5000, "the active one's cursor");
    await active.close();
  } finally {
    await fx.dispose();
  }
});

test("a full disk gives storage_failure, close 1011, health 503, and loses nothing acknowledged", async () => {
  const fx = new ServerFixture();
  await fx.start({}, { fileSizeLimitKB: 512 });
  try {
    const doc = docId("full");
    const [a] = await join(fx.wsUrl, doc);
    const [b] = await join(fx.wsUrl, doc);
    const chunk = "d".repeat(8192);
    let text = "", rev = 0, failure = null;
    while (rev < 400) {
      const operation = rev % 2 === 0 ? [chunk] : [-8192];  // even revisions insert, odd remove
      a.send({ Edit: { revision: rev, operation } });
      const f = await a.recvUntil((m) => m.History?.start === rev || m.Error || m.Rejected);
      if (!f.History) { failure = f; break; }
      text = rev % 2 === 0 ? text + chunk : text.slice(0, -8192);
      rev++;
    }
    assert.ok(failure, "writes past the file size limit must fail within 400 edits of 8 KiB");
    assert.deepStrictEqual(Object.keys(failure), ["Error"], JSON.stringify(failure));
    assert.equal(failure.Error.code, "storage_failure");
    assert.equal((await a.waitClosed()).code, 1011);
    assert.equal((await httpGet(fx.url, "/api/health")).status, 503);
    b.terminate();

    await fx.restart("SIGKILL");  // the same file, now without the limit
    assert.equal(await getText(fx.url, doc), text, "every acknowledged edit is kept, the refused one is not");
    const [c] = await join(fx.wsUrl, doc, { revision: rev });
    const op = text ? [text.length, "!"] : ["!"];
    c.send({ Edit: { revision: rev, operation: op } });
    await c.expect({ History: { start: rev, operations: [{ id: c.id, operation: op }] } });
    assert.equal((await httpGet(fx.url, "/api/health")).status, 200);
    await c.close();
  } finally {
    await fx.dispose();
  }
});
