// History through the real server (docs/history.md): the exact JSON of /api/history, /api/diff,
// /api/authors and /api/text?revision=, their errors and access rules, SaveVersion / Version and
// Restore over WebSocket, the HISTORY_* limits, and a Rustpad-style client that keeps converging
// while versions are saved and restores happen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, httpGet, getText, docId, eventually, clientTag } from "./lib/client.mjs";
import { Typist, allAcknowledged, convergedText, sleep } from "./lib/typist.mjs";

let fx;
before(async () => { fx = new ServerFixture(); await fx.start(); });
after(async () => { await fx?.dispose(); });

const ALICE = { name: "Alice", hue: 42 };
const BOB = { name: "Bob", hue: 200 };
const started = Date.now();

async function getJson(base, path, status = 200) {
  const r = await httpGet(base, path);
  assert.equal(r.status, status, `GET ${path}: ${r.status} ${r.body}`);
  assert.match(r.type ?? "", /^application\/json; charset=utf-8$/);
  return { text: r.body, json: JSON.parse(r.body) };
}

/** Alice types "hello", Bob " world", Alice names revision 2 "first draft", then deletes "hello". */
async function scenario(base, doc) {
  const [a, idA] = await join(base, doc);
  const [b, idB] = await join(base, doc);
  a.send({ ClientInfo: ALICE });
  b.send({ ClientInfo: BOB });
  for (const c of [a, b]) {
    await c.recvUntil((m) => m.UserInfo?.id === idA);
    await c.recvUntil((m) => m.UserInfo?.id === idB);
  }
  a.send({ Edit: { revision: 0, operation: ["hello"], client: "alice-tab", seq: 1 } });
  await b.recvEntries(0, 1);
  b.send({ Edit: { revision: 1, operation: [5, " world"], client: "bob-tab", seq: 1 } });
  await a.recvEntries(0, 1);
  await a.recvEntries(1, 1);
  a.send({ SaveVersion: { name: "first draft" } });
  const versions = [];
  for (const c of [a, b]) versions.push((await c.recvUntil((m) => m.Version)).Version);
  a.send({ Edit: { revision: 2, operation: [-5, 6], client: "alice-tab", seq: 2 } });
  for (const c of [a, b]) await c.recvEntries(2, 1);
  return { a, b, idA, idB, version: versions[0], versions };
}

test("SaveVersion names the current revision and every connection gets the same Version", async () => {
  const doc = docId("version");
  const { a, b, idA, version, versions } = await scenario(fx.wsUrl, doc);
  assert.deepEqual(versions[0], versions[1]);
  assert.equal(JSON.stringify(version), JSON.stringify({ revision: 2, name: "first draft", user: idA, time: version.time }));
  assert.ok(version.time >= started && version.time <= Date.now());
  await Promise.all([a.close(), b.close()]);
});

test("/api/history, /api/diff, /api/authors and /api/text?revision= have the documented JSON", async () => {
  const doc = docId("shapes");
  const { a, b, idA, idB, version } = await scenario(fx.wsUrl, doc);
  const page = await getJson(fx.url, `/api/history/${doc}`);
  const [s1, s0] = page.json.sessions;
  const expected = {
    revision: 3, first_revision: 0,
    sessions: [
      { start: 2, end: 3, start_time: s1.start_time, end_time: s1.start_time, operations: 1, inserted: 0, deleted: 5,
        authors: [{ name: "Alice", hue: 42, users: [idA], operations: 1, inserted: 0, deleted: 5 }], version: null },
      { start: 0, end: 2, start_time: s0.start_time, end_time: s0.end_time, operations: 2, inserted: 11, deleted: 0,
        authors: [
          { name: "Alice", hue: 42, users: [idA], operations: 1, inserted: 5, deleted: 0 },
          { name: "Bob", hue: 200, users: [idB], operations: 1, inserted: 6, deleted: 0 },
        ],
        version: { name: "first draft", user: idA, user_name: "Alice", time: version.time } },
    ],
    next_before: null,
  };
  assert.equal(page.text, JSON.stringify(expected));
  assert.ok(started <= s0.start_time && s0.start_time <= s0.end_time && s0.end_time <= s1.start_time);

  const diff = await getJson(fx.url, `/api/diff/${doc}?from=1&to=3`);
  assert.equal(diff.text, JSON.stringify({
    from: 1, to: 3, method: "composed", operation: [" world", -5],
    spans: [{ kind: "inserted", text: " world", author: idB }, { kind: "deleted", text: "hello", author: idA }],
    authors: { [idA]: ALICE, [idB]: BOB },
  }));
  const authors = await getJson(fx.url, `/api/authors/${doc}?revision=2`);
  assert.equal(authors.text, JSON.stringify({
    revision: 2, text: "hello world", attribution: [5, idA, 6, idB], authors: { [idA]: ALICE, [idB]: BOB },
  }));
  const now = await getJson(fx.url, `/api/authors/${doc}`);
  assert.equal(now.text, JSON.stringify({ revision: 3, text: " world", attribution: [6, idB], authors: { [idB]: BOB } }));
  for (const [rev, text] of [[0, ""], [1, "hello"], [2, "hello world"], [3, " world"]]) {
    const r = await httpGet(fx.url, `/api/text/${doc}?revision=${rev}`);
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/plain; charset=utf-8$/);
    assert.equal(r.body, text, `revision ${rev}`);
  }
  await Promise.all([a.close(), b.close()]);
});

test("history routes refuse bad parameters, revisions past the head and bad ids with JSON errors", async () => {
  const doc = docId("errors");
  const { a, b } = await scenario(fx.wsUrl, doc);
  const cases = [
    [`/api/history/${doc}?limit=0`, 400, "bad_request"],
    [`/api/history/${doc}?limit=101`, 400, "bad_request"],  // past HISTORY_PAGE_MAX (100)
    [`/api/history/${doc}?limit=ten`, 400, "bad_request"],
    [`/api/history/${doc}?before=-1`, 400, "bad_request"],
    [`/api/diff/${doc}?from=3&to=1`, 400, "bad_request"],
    [`/api/diff/${doc}?from=1`, 400, "bad_request"],
    [`/api/diff/${doc}?from=0&to=4`, 404, "not_found"],
    [`/api/authors/${doc}?revision=4`, 404, "not_found"],
    [`/api/authors/${doc}?revision=1e3`, 400, "bad_request"],
    [`/api/text/${doc}?revision=4`, 404, "not_found"],
    [`/api/text/${doc}?revision=%2B1`, 400, "bad_request"],
    [`/api/history/bad!id`, 400, "bad_id"],
    [`/api/diff/${"x".repeat(65)}?from=0&to=0`, 400, "bad_id"],
  ];
  for (const [path, status, code] of cases) {
    const r = await getJson(fx.url, path, status);
    assert.equal(r.json.error, code, path);
    assert.equal(typeof r.json.message, "string");
  }
  // An unknown document has an empty history, and only revision 0.
  const none = docId("none");
  assert.equal((await getJson(fx.url, `/api/history/${none}`)).text,
    JSON.stringify({ revision: 0, first_revision: 0, sessions: [], next_before: null }));
  assert.equal((await httpGet(fx.url, `/api/text/${none}?revision=0`)).body, "");
  assert.equal((await httpGet(fx.url, `/api/text/${none}?revision=1`)).status, 404);
  await Promise.all([a.close(), b.close()]);
});

test("a protected document's history answers 401 without the OTP and 200 with it", async () => {
  const doc = docId("otp");
  const [a] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["secret"] } });
  await a.recvEntries(0, 1);
  a.send({ SetOTP: true });
  const otp = (await a.recvUntil((m) => m.OTP)).OTP.otp;
  for (const path of [`/api/history/${doc}`, `/api/diff/${doc}?from=0&to=1`, `/api/authors/${doc}`, `/api/text/${doc}?revision=1`]) {
    const denied = await httpGet(fx.url, path);
    assert.equal(denied.status, 401, path);
    assert.equal(JSON.parse(denied.body).error, "unauthorized");
    const sep = path.includes("?") ? "&" : "?";
    const ok = await httpGet(fx.url, `${path}${sep}otp=${encodeURIComponent(otp)}`);
    assert.equal(ok.status, 200, path);
  }
  await a.close();
});

test("Restore applies the difference as one new edit by the restorer; the past stays", async () => {
  const doc = docId("restore");
  const { a, b, idB } = await scenario(fx.wsUrl, doc);
  b.send({ Restore: { revision: 2 } });
  // The restore's entry is nobody's acknowledgement: "client":"server" is no client's tag, and it has no seq.
  const expected = { id: idB, operation: ["hello", 6], client: "server", restore: 2 };
  for (const c of [a, b]) {
    const [entry] = await c.recvEntries(3, 1);
    assert.equal(JSON.stringify(entry), JSON.stringify(expected));
    assert.notEqual(entry.client, clientTag("bob-tab"));
  }
  assert.equal(await getText(fx.url, doc), "hello world");
  // History still holds everything: the list grew, the old revisions still answer.
  const page = (await getJson(fx.url, `/api/history/${doc}`)).json;
  assert.equal(page.revision, 4);
  assert.equal(page.sessions[0].end, 4);
  assert.equal((await httpGet(fx.url, `/api/text/${doc}?revision=3`)).body, " world");
  assert.equal((await httpGet(fx.url, `/api/text/${doc}?revision=2`)).body, "hello world");
  const authors = (await getJson(fx.url, `/api/authors/${doc}`)).json;
  assert.deepEqual(authors.attribution, [11, idB]);  // the restored text is the restorer's edit
  // A joiner gets the restore's entry with its fields.
  const [c] = await join(fx.wsUrl, doc);
  const entries = await c.recvEntries(0, 4);
  assert.equal(JSON.stringify(entries[3]), JSON.stringify(expected));
  await Promise.all([a.close(), b.close(), c.close()]);
});

test("a Restore that cannot be made is Rejected and the connection stays", async () => {
  const doc = docId("restore-bad");
  const { a, b } = await scenario(fx.wsUrl, doc);
  a.send({ Restore: { revision: 99 } });
  const r = (await a.recvUntil((m) => m.Rejected)).Rejected;
  assert.equal(r.seq, null);
  assert.equal(r.code, "bad_revision");
  a.send({ SaveVersion: { name: "" } });
  assert.equal((await a.recvUntil((m) => m.Rejected)).Rejected.code, "bad_version_name");
  a.send({ SaveVersion: { name: "tab\there" } });
  assert.equal((await a.recvUntil((m) => m.Rejected)).Rejected.code, "bad_version_name");
  a.send({ SaveVersion: { name: "x".repeat(101) } });  // past HISTORY_VERSION_NAME_MAX (100)
  assert.equal((await a.recvUntil((m) => m.Rejected)).Rejected.code, "bad_version_name");
  a.send({ SaveVersion: { name: "x".repeat(100) } });
  assert.equal((await a.recvUntil((m) => m.Version)).Version.name.length, 100);
  assert.equal(a.closed, null);
  await Promise.all([a.close(), b.close()]);
});

test("HISTORY_PAGE_MAX, HISTORY_VERSION_NAME_MAX and HISTORY_DIFF_MAX_OPS are pushed past", async () => {
  const small = new ServerFixture({ HISTORY_PAGE_MAX: 1, HISTORY_VERSION_NAME_MAX: 3, HISTORY_DIFF_MAX_OPS: 1 });
  await small.start();
  try {
    const doc = docId("limits");
    const [a] = await join(small.wsUrl, doc);
    a.send({ Edit: { revision: 0, operation: ["ab"] } });
    await a.recvEntries(0, 1);
    a.send({ SaveVersion: { name: "four" } });
    assert.equal((await a.recvUntil((m) => m.Rejected)).Rejected.code, "bad_version_name");
    a.send({ SaveVersion: { name: "v1" } });
    assert.equal((await a.recvUntil((m) => m.Version)).Version.revision, 1);
    a.send({ Edit: { revision: 1, operation: [2, "c"] } });
    await a.recvEntries(1, 1);
    a.send({ Edit: { revision: 2, operation: [3, "d"] } });
    await a.recvEntries(2, 1);
    assert.equal((await getJson(small.url, `/api/history/${doc}?limit=2`, 400)).json.error, "bad_request");
    // Pages of one session: the newest first, then the one the version ended.
    const first = (await getJson(small.url, `/api/history/${doc}`)).json;
    assert.deepEqual(first.sessions.map((x) => [x.start, x.end]), [[1, 3]]);
    assert.equal(first.next_before, 2);
    const second = (await getJson(small.url, `/api/history/${doc}?before=${first.next_before}`)).json;
    assert.deepEqual(second.sessions.map((x) => [x.start, x.end, x.version?.name]), [[0, 1, "v1"]]);
    assert.equal(second.next_before, null);
    // Past HISTORY_DIFF_MAX_OPS operations, the diff is made from the texts.
    assert.equal((await getJson(small.url, `/api/diff/${doc}?from=1&to=3`)).json.method, "text_diff");
    assert.equal((await getJson(small.url, `/api/diff/${doc}?from=2&to=3`)).json.method, "composed");
    assert.deepEqual((await getJson(small.url, `/api/diff/${doc}?from=1&to=3`)).json.operation, [2, "cd"]);
    await a.close();
  } finally {
    await small.dispose();
  }
});

test("Rustpad-style clients keep converging while versions are saved and restores happen", async () => {
  const doc = docId("rustpad-history");
  const typists = [
    new Typist({ name: "R", doc, getBase: () => fx.wsUrl, seed: 71, rustpad: true }).start(),
    new Typist({ name: "S", doc, getBase: () => fx.wsUrl, seed: 72, rustpad: true }).start(),
    new Typist({ name: "K", doc, getBase: () => fx.wsUrl, seed: 73 }).start(),
  ];
  let h = null;
  try {
    await eventually(() => typists.every((t) => t.ready), 5000, "typists connected");
    // A historian names revisions and restores older ones while everyone types.
    [h] = await join(fx.wsUrl, doc);
    let seen = 0;
    const until = Date.now() + 2500;
    const typing = Promise.all(typists.map((t) => t.typeWhile(() => Date.now() < until)));
    let restores = 0, versions = 0, restored = 0, named_seen = 0;
    const drain = () => {
      while (h.queue.length) {
        const m = h.queue.shift().data;
        if (m.History) {
          seen = m.History.start + m.History.operations.length;
          restored += m.History.operations.filter((e) => e.restore !== undefined).length;
        }
        if (m.Version) named_seen++;
        if (m.Rejected) assert.fail(`historian's request rejected: ${JSON.stringify(m)}`);
      }
    };
    while (Date.now() < until) {
      await sleep(150);
      drain();
      if (seen < 2) continue;
      if (restores <= versions) {
        h.send({ Restore: { revision: Math.floor(seen / 2) } });
        restores++;
      } else {
        h.send({ SaveVersion: { name: `v${versions}` } });
        versions++;
      }
    }
    await typing;
    // The last Restore runs off the document's lock: the text to compare is the one after it.
    await eventually(() => { drain(); return restored === restores && named_seen === versions; }, 10000, "every restore applied, every version named");
    await allAcknowledged(typists);
    const text = await convergedText(typists, fx.wsUrl.replace("ws", "http"), doc);
    const page = (await getJson(fx.url, `/api/history/${doc}?limit=100`)).json;
    assert.ok(restores >= 3 && versions >= 3, `restores ${restores}, versions ${versions}`);
    const named = page.sessions.filter((x) => x.version).length;
    assert.ok(named >= 1, "named versions appear in the history");
    assert.equal((await httpGet(fx.url, `/api/text/${doc}?revision=${page.revision}`)).body, text);
    for (const t of typists) assert.deepEqual(t.violations, []);
  } finally {
    // Also when an assertion failed: open sockets would keep the test file's process alive.
    await Promise.all([...typists.map((t) => t.stop()), h?.close()]);
  }
});

test("HISTORY_RETENTION_DAYS drops old history on the cleanup timer, keeps named versions, and resume works", async () => {
  const { execFileSync } = await import("node:child_process");
  const aged = new ServerFixture({ HISTORY_KEYFRAME_OPS: 2 });
  await aged.start();
  try {
    const doc = docId("retention");
    const [a] = await join(aged.wsUrl, doc);
    let text = "";
    for (let i = 0; i < 8; i++) {
      a.send({ Edit: { revision: i, operation: i ? [i, String(i)] : ["0"] } });
      await a.recvEntries(i, 1);
      text += String(i);
      if (i === 0) {
        a.send({ SaveVersion: { name: "the first character" } });
        await a.recvUntil((m) => m.Version);
      }
    }
    await a.close();
    await aged.server.stop();
    // Ten days pass for the first five operations.
    execFileSync("sqlite3", [aged.dbPath, `UPDATE operations SET time = time - 864000000 WHERE document = '${doc}' AND revision < 5`]);
    await aged.start({ HISTORY_RETENTION_DAYS: 1, CLEANUP_INTERVAL_HOURS: 0.0003 });
    const page = await eventually(async () => {
      const p = (await getJson(aged.url, `/api/history/${doc}`)).json;
      return p.first_revision > 0 ? p : null;
    }, 10000, "retention ran");
    assert.ok(page.first_revision <= 5, `kept from ${page.first_revision}: the latest keyframe at or before revision 5`);
    assert.equal(page.revision, 8);
    assert.ok(page.sessions.some((x) => x.version?.name === "the first character"), "the version is still listed");
    assert.equal((await httpGet(aged.url, `/api/text/${doc}?revision=1`)).body, "0");  // the version's text
    assert.equal((await getJson(aged.url, `/api/text/${doc}?revision=${page.first_revision - 1}`, 410)).json.error, "gone");
    assert.equal((await httpGet(aged.url, `/api/text/${doc}?revision=8`)).body, text);
    // A client holding revision 0 resumes: a Snapshot of the first kept revision, then the History after it.
    const [r] = await join(aged.wsUrl, doc, { revision: 0 });
    const snap = (await r.recv()).Snapshot;
    assert.equal(snap.revision, page.first_revision);
    assert.equal(snap.text, text.slice(0, page.first_revision));
    await r.recvEntries(page.first_revision, 8 - page.first_revision);
    r.send({ Edit: { revision: 8, operation: [8, "!"] } });
    await r.recvEntries(8, 1);
    assert.equal(await getText(aged.url, doc), text + "!");
    await r.close();
  } finally {
    await aged.dispose();
  }
});
