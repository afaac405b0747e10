// Races around a document's life: many clients loading a cold document at once, reconnects
// around eviction, and presence churn while editors type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, connect, socketUrl, getText, eventually, docId, clientTag } from "./lib/client.mjs";
import { RandomEditor } from "./lib/random_editor.mjs";
import { rng, sleep, allAcknowledged, convergedText } from "./lib/typist.mjs";

/** Reads c's frames up to and including the first that `pred` holds for (each within `ms`). */
async function framesUntil(c, pred, ms = 10000) {
  const frames = [];
  for (;;) {
    const f = await c.recv(ms);
    frames.push(f);
    if (pred(f)) return frames;
  }
}

/**
 * Every frame the server queued for c before now: c asks for its own UserInfo (a marker sent back
 * to the sender after everything queued earlier) and reads up to it; the marker is left out.
 */
async function framesQueued(c, ms = 10000) {
  const name = `marker-${c.id}-${Date.now()}`;
  c.send({ ClientInfo: { name, hue: 0 } });
  return (await framesUntil(c, (f) => f.UserInfo?.info?.name === name, ms)).slice(0, -1);
}

test("twenty clients loading the same cold document at once share one document", async () => {
  const fx = new ServerFixture();
  await fx.start();
  try {
    const doc = docId("cold");
    const [a] = await join(fx.wsUrl, doc);
    a.send({ Edit: { revision: 0, operation: ["|"] } });
    await a.recv();
    await a.close();
    await fx.restart();
    const clients = await Promise.all(Array.from({ length: 20 }, () => join(fx.wsUrl, doc, { revision: 1 })));
    const texts = Promise.all(Array.from({ length: 5 }, () => getText(fx.url, doc)));
    clients.forEach(([c], i) => c.send({ Edit: { revision: 1, operation: [1, `<${i}>`], client: `c${i}`, seq: 1 } }));
    for (const t of await texts) assert.ok(t.startsWith("|"), `text while loading: ${t}`);
    const logs = await Promise.all(clients.map(([c]) => c.recvEntries(1, 20, 8000)));
    for (const log of logs) assert.deepStrictEqual(log, logs[0], "every client sees the same log");
    assert.deepStrictEqual(logs[0].map((e) => e.client).sort(), clients.map((_, i) => clientTag(`c${i}`)).sort());
    const text = await getText(fx.url, doc);
    assert.equal(text.length, 1 + clients.reduce((n, _, i) => n + `<${i}>`.length, 0));
    await Promise.all(clients.map(([c]) => c.close()));
  } finally {
    await fx.dispose();
  }
});

test("a language change racing a join reaches the joiner exactly once", async () => {
  const fx = new ServerFixture();
  await fx.start();
  try {
    for (let k = 0; k < 40; k++) {
      const doc = docId("langrace");
      const [a, idA] = await join(fx.wsUrl, doc);
      const joining = connect(socketUrl(fx.wsUrl, doc));
      await sleep(k % 5);
      a.send({ SetLanguage: `lang${k}` });
      const c = await joining;
      const frames = await framesUntil(c, (f) => f.Language !== undefined);
      // A marker from Alice, sent only now: the server handles it after her SetLanguage and after
      // c's join, so any second Language meant for c is queued before the marker's UserInfo.
      a.send({ ClientInfo: { name: `marker${k}`, hue: 1 } });
      frames.push(...await framesUntil(c, (f) => f.UserInfo?.info?.name === `marker${k}`));
      const langs = frames.filter((f) => f.Language !== undefined);
      assert.deepStrictEqual(langs, [{ Language: `lang${k}` }], `round ${k}: ${JSON.stringify(frames)}`.slice(0, 300));
      const by = frames.findIndex((f) => f.LanguageBy !== undefined);
      if (by !== -1) {  // announced as a change: then it must come right after that Language
        assert.deepStrictEqual(frames[by], { LanguageBy: idA });
        assert.deepStrictEqual(frames[by - 1], { Language: `lang${k}` });
      }
      await Promise.all([a.close(), c.close()]);
    }
  } finally {
    await fx.dispose();
  }
});

test("reconnecting around eviction never loses or repeats an edit", async () => {
  const fx = new ServerFixture({ EXPIRY_DAYS: 0.00001, CLEANUP_INTERVAL_HOURS: 0.0001 });  // 0.86 s idle, sweep 0.36 s
  await fx.start();
  try {
    const doc = docId("flap");
    const random = rng(99);
    let expected = "";
    for (let i = 0; i < 8; i++) {
      const [c] = await join(fx.wsUrl, doc, { revision: i });
      const op = i ? [i, String.fromCharCode(97 + i)] : ["a"];
      c.send({ Edit: { revision: i, operation: op, client: "flap", seq: i } });
      await c.recvUntil((f) => f.History?.start === i);
      expected += String.fromCharCode(97 + i);
      if (random() < 0.5) c.terminate(); else await c.close();
      await sleep(500 + Math.floor(random() * 700));  // around the eviction moment
      assert.equal(await getText(fx.url, doc), expected, `after edit ${i}`);
    }
  } finally {
    await fx.dispose();
  }
});

test("forty users joining and leaving while three editors type: presence and text stay right", async () => {
  const fx = new ServerFixture();
  await fx.start();
  const doc = docId("churn");
  const editors = ["A", "B", "C"].map((name, i) => new RandomEditor({ name, doc, getBase: () => fx.wsUrl, seed: 70 + i }).start());
  try {
    let typing = true;
    const typed = Promise.all(editors.map((e) => e.typeWhile(() => typing)));
    const random = rng(7);
    const stayers = [];
    await Promise.all(Array.from({ length: 40 }, async (_, i) => {
      await sleep(Math.floor(random() * 1500));
      const c = await connect(socketUrl(fx.wsUrl, doc));
      const id = (await c.recv()).Identity;
      c.send({ ClientInfo: { name: `user${i}`, hue: i } });
      c.send({ CursorData: { cursors: [0], selections: [] } });
      await sleep(Math.floor(random() * 300));
      if (i % 4 === 0) stayers.push({ c, id, name: `user${i}` });
      else if (i % 2) c.terminate();
      else await c.close();
    }));
    typing = false;
    await typed;
    await allAcknowledged(editors, 15000, "edits acknowledged");
    await convergedText(editors, fx.url, doc, 5000, "editors converge");
    for (const e of editors) assert.deepStrictEqual(e.violations, []);
    const [late] = await join(fx.wsUrl, doc);
    const frames = await framesQueued(late);
    const infos = frames.filter((f) => f.UserInfo).map((f) => f.UserInfo);
    assert.deepStrictEqual(infos.map((u) => u.id).sort((x, y) => x - y), stayers.map((s) => s.id).sort((x, y) => x - y),
      "exactly the users still connected (with info) are announced");
    for (const u of infos) assert.equal(u.info.name, stayers.find((s) => s.id === u.id).name);
    assert.equal(frames.filter((f) => f.UserCursor).length, stayers.length);
    await Promise.all([late, ...stayers.map((s) => s.c)].map((c) => c.close()));
  } finally {
    await Promise.all(editors.map((e) => e.stop()));
    await fx.dispose();
  }
});
