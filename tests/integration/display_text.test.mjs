// Names and languages are drawn on other users' screens: a name loses its control, line-separator
// and bidirectional formatting characters (its user still joins), a language with one is refused.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, docId } from "./lib/client.mjs";

let fx;
before(async () => { fx = new ServerFixture(); await fx.start(); });
after(async () => { await fx?.dispose(); });

// Every character a name may not carry, around a name that must survive.
const HOSTILE = "\u202eAl\nice\t\r\u0000\u001f\u007f\u0085\u009f\u2028\u2029\u202a\u202b\u202c\u202d" +
  "\u2066\u2067\u2068\u2069\u200e\u200f\u061c\ufeff 🎉";

test("a pasted name with controls and bidi overrides joins cleaned, for everyone and in OTP", async () => {
  const doc = docId("names");
  const [viewer] = await join(fx.wsUrl, doc);
  const [named, id] = await join(fx.wsUrl, doc);
  named.send({ ClientInfo: { name: HOSTILE, hue: 40 } });
  const clean = { UserInfo: { id, info: { name: "Alice 🎉", hue: 40 } } };
  assert.deepStrictEqual(await viewer.recvUntil((f) => f.UserInfo?.id === id), clean);
  assert.deepStrictEqual(await named.recvUntil((f) => f.UserInfo?.id === id), clean);
  named.send({ SetOTP: true });
  const otp = await viewer.recvUntil((f) => f.OTP);
  assert.equal(otp.OTP.user_name, "Alice 🎉");
  const [late] = await join(fx.wsUrl, doc, { otp: otp.OTP.otp });
  assert.deepStrictEqual(await late.recvUntil((f) => f.UserInfo?.id === id), clean, "a later joiner sees the cleaned name");
  for (const c of [viewer, named, late]) await c.close();
});

test("emoji sequences, joiners and every script are kept in names", async () => {
  const doc = docId("names-kept");
  const [c, id] = await join(fx.wsUrl, doc);
  const name = "👨‍👩‍👧 Zoë \u200cفارسی 漢字\u00a0";
  c.send({ ClientInfo: { name, hue: 1 } });
  assert.deepStrictEqual(await c.recvUntil((f) => f.UserInfo), { UserInfo: { id, info: { name, hue: 1 } } });
  await c.close();
});

for (const [what, ch] of [["a right-to-left override", "\u202e"], ["an isolate", "\u2066"], ["a line separator", "\u2028"],
  ["a C1 control", "\u0085"], ["a byte-order mark", "\ufeff"]]) {
  test(`SetLanguage with ${what} is bad_message, 1007, and the language stays`, async () => {
    const doc = docId("lang");
    const [viewer] = await join(fx.wsUrl, doc);
    viewer.send({ SetLanguage: "python" });
    await viewer.recvUntil((f) => f.Language === "python");
    const [bad] = await join(fx.wsUrl, doc);
    bad.send({ SetLanguage: `py${ch}thon` });
    const err = await bad.recvUntil((f) => f.Error);
    assert.equal(err.Error.code, "bad_message");
    assert.equal((await bad.waitClosed()).code, 1007);
    const [late] = await join(fx.wsUrl, doc);
    assert.equal((await late.recvUntil((f) => f.Language !== undefined)).Language, "python");
    for (const c of [viewer, late]) await c.close();
  });
}
