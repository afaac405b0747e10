// Resuming with ?revision=R, Snapshot + tail after compaction, and exactly-once (client, seq) edits.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, connect, socketUrl, getText, eventually, docId, clientTag } from "./lib/client.mjs";

let fx;
before(async () => { fx = new ServerFixture(); await fx.start(); });
after(async () => { await fx?.dispose(); });

/** Reads frames for `ms`: a duplicate may be answered (say, by repeating an old entry) but never grow the log past `revision`. */
async function expectNoGrowth(c, revision, ms = 400) {
  for (;;) {
    const f = await c.recv(ms).catch(() => null);
    if (!f) return;
    assert.ok(f.History && f.History.start + f.History.operations.length <= revision, `duplicate applied or refused: ${JSON.stringify(f)}`);
  }
}

/** Appends one character per edit; returns the History entries of the log. */
async function appendChars(c, chars, from = 0) {
  const entries = [];
  for (let i = 0; i < chars.length; i++) {
    const operation = from + i ? [from + i, chars[i]] : [chars[i]];
    c.send({ Edit: { revision: from + i, operation } });
    await c.expect({ History: { start: from + i, operations: [{ id: c.id, operation }] } });
    entries.push({ id: c.id, operation });
  }
  return entries;
}

test("?revision=R resumes with only the later operations", async () => {
  const doc = docId("resume");
  const [a] = await join(fx.wsUrl, doc);
  const log = await appendChars(a, "abcd");
  const [b] = await join(fx.wsUrl, doc, { revision: 2 });
  await b.expect({ History: { start: 2, operations: log.slice(2) } });
  await b.expectNoFrame(200);
  const [c] = await join(fx.wsUrl, doc, { revision: 0 });
  await c.expect({ History: { start: 0, operations: log } });
  const [d] = await join(fx.wsUrl, doc, { revision: 4 });  // nothing new
  const f = await d.recv(300).catch(() => null);
  assert.ok(f === null || JSON.stringify(f) === JSON.stringify({ History: { start: 4, operations: [] } }), JSON.stringify(f));
  await Promise.all([a, b, c, d].map((x) => x.close()));
});

test("?revision beyond the log is refused as bad_revision", async () => {
  const doc = docId("resumebad");
  const [a] = await join(fx.wsUrl, doc);
  await appendChars(a, "ab");
  let status = null, c = null;
  try { c = await connect(socketUrl(fx.wsUrl, doc, { revision: 3 })); } catch (e) { status = e.status; }
  if (c) {
    assert.equal((await c.waitClosed()).code, 1008);
    const frames = c.queue.map((f) => f.data);
    assert.deepStrictEqual(frames.map((f) => Object.keys(f)[0]), ["Identity", "Error"], `Identity comes first on every connection: ${JSON.stringify(frames)}`);
    assert.equal(frames[1].Error.code, "bad_revision");
  } else {
    assert.equal(status, 400);
  }
  await a.close();
});

test("resume works across a restart and revisions keep counting", async () => {
  const doc = docId("resumerestart");
  const [a] = await join(fx.wsUrl, doc);
  const log = await appendChars(a, "xyz");
  await a.close();
  await fx.restart();
  const [b] = await join(fx.wsUrl, doc, { revision: 1 });
  await b.expect({ History: { start: 1, operations: log.slice(1) } });
  const op = [3, "!"];
  b.send({ Edit: { revision: 3, operation: op } });
  await b.expect({ History: { start: 3, operations: [{ id: b.id, operation: op }] } });
  assert.equal(await getText(fx.url, doc), "xyz!");
  await b.close();
});

test("a compacted log is served as Snapshot + tail, before and after a restart", async () => {
  const s = new ServerFixture({ SNAPSHOT_INTERVAL_OPS: 5, LOG_RETENTION_OPS: 5 });
  await s.start();
  try {
    const doc = docId("compact");
    const chars = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";  // 62 edits
    /** Connects with `query` and checks what is served rebuilds exactly `upto` (one char per op). */
    const checkServed = async (query, upto) => {
      const [c] = await join(s.wsUrl, doc, query);
      // Everything sent on connect comes before the UserInfo answering c's own ClientInfo.
      const marker = `served-${c.id}`;
      c.send({ ClientInfo: { name: marker, hue: 0 } });
      const frames = [];
      for (let f; (f = await c.recv(10000)).UserInfo?.info?.name !== marker; ) frames.push(f);
      await c.close();
      let rev = query.revision ?? 0;
      if (frames[0]?.Snapshot) {
        rev = frames[0].Snapshot.revision;
        assert.equal(frames[0].Snapshot.text, upto.slice(0, rev), "snapshot text is the text at its revision");
        assert.ok(rev > (query.revision ?? 0) && rev <= upto.length);
        frames.shift();
      }
      if (rev < upto.length) {
        assert.equal(frames[0]?.History?.start, rev, JSON.stringify(frames[0]));
        frames[0].History.operations.forEach((e, k) =>
          assert.deepStrictEqual(e.operation, rev + k ? [rev + k, upto[rev + k]] : [upto[0]]));
        rev += frames.shift().History.operations.length;
      }
      assert.equal(rev, upto.length, "served up to the current revision");
      assert.deepStrictEqual(frames, [], "nothing else on connect");
      return rev;
    };
    const [a] = await join(s.wsUrl, doc);
    await appendChars(a, chars.slice(0, 40));
    const [b] = await join(s.wsUrl, doc, { revision: 1 });
    const first = await b.recv();
    await b.close();
    assert.ok(first.Snapshot, `revision 1 is compacted with LOG_RETENTION_OPS=5, got ${JSON.stringify(first).slice(0, 200)}`);
    assert.ok(first.Snapshot.revision >= 40 - 15, `snapshot revision ${first.Snapshot.revision} is recent`);
    await checkServed({ revision: 1 }, chars.slice(0, 40));
    await checkServed({}, chars.slice(0, 40));
    await a.close();

    await s.restart();
    const [a2] = await join(s.wsUrl, doc, { revision: 40 });
    await appendChars(a2, chars.slice(40), 40);
    await a2.close();
    await checkServed({ revision: 2 }, chars);
    await checkServed({ revision: 60 }, chars);
    await checkServed({}, chars);
    assert.equal(await getText(s.url, doc), chars);
  } finally {
    await s.dispose();
  }
});

test("an edit resent after a lost acknowledgement is applied exactly once", async () => {
  const doc = docId("lostack");
  const [a] = await join(fx.wsUrl, doc);
  const edit = { Edit: { revision: 0, operation: ["once"], client: "tab-1f3a", seq: 1 } };
  a.send(edit);
  await eventually(async () => (await getText(fx.url, doc)) === "once", 3000, "the edit applied");
  a.terminate();  // the acknowledgement (never read) is lost with the connection

  const [b] = await join(fx.wsUrl, doc, { revision: 0 });
  b.send(edit);  // resend the same (client, seq)
  const entry = { id: a.id, operation: ["once"], client: clientTag("tab-1f3a"), seq: 1 };
  const h = await b.recv();
  assert.deepStrictEqual(h, { History: { start: 0, operations: [entry] } });
  await expectNoGrowth(b, 1);
  assert.equal(await getText(fx.url, doc), "once");

  // Same connection, same (client, seq) again: still once. Then the next seq goes through at revision 1.
  b.send(edit);
  const next = { Edit: { revision: 1, operation: [4, "!"], client: "tab-1f3a", seq: 2 } };
  b.send(next);
  const ack = await b.recvUntil((f) => f.History && f.History.start >= 1);
  assert.deepStrictEqual(ack, { History: { start: 1, operations: [{ id: b.id, operation: [4, "!"], client: clientTag("tab-1f3a"), seq: 2 }] } });
  await b.close();

  await fx.restart();  // and across a restart
  const [c] = await join(fx.wsUrl, doc, { revision: 0 });
  c.send(edit);
  c.send(next);
  assert.equal((await c.recv()).History.operations.length, 2);
  await expectNoGrowth(c, 2);
  assert.equal(await getText(fx.url, doc), "once!");
  c.send({ Edit: { revision: 2, operation: [5, "?"] } });
  await c.expect({ History: { start: 2, operations: [{ id: c.id, operation: [5, "?"] }] } });
  await c.close();
});

test("a resend that the server never saw is applied once, transformed over what came since", async () => {
  const doc = docId("lostedit");
  const [a] = await join(fx.wsUrl, doc);
  await appendChars(a, "ab");
  const [other] = await join(fx.wsUrl, doc, { revision: 2 });
  other.send({ Edit: { revision: 2, operation: ["<", 2] } });
  await other.recv();
  const resend = { Edit: { revision: 2, operation: [2, ">"], client: "tab-9", seq: 1 } };
  a.send(resend);
  a.send(resend);
  const frames = [await a.recv(), await a.recv()];
  assert.deepStrictEqual(frames[0].History.start, 2);
  assert.deepStrictEqual(frames[1], { History: { start: 3, operations: [{ id: a.id, operation: [3, ">"], client: clientTag("tab-9"), seq: 1 }] } });
  await expectNoGrowth(a, 4);
  assert.equal(await getText(fx.url, doc), "<ab>");
  await Promise.all([a.close(), other.close()]);
});
