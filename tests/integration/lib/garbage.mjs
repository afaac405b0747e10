// Seeded generator of malformed, oversized and random client frames (never a valid edit).

/** Returns a function producing {data, text} frames from the PRNG `random` (floats in [0, 1)). */
export function garbageFrames(random, { oversizeBytes }) {
  const int = (n) => Math.floor(random() * n);
  const pick = (xs) => xs[int(xs.length)];
  const bytes = (n) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const ascii = (n) => Array.from({ length: n }, () => String.fromCharCode(32 + int(95))).join("");
  const badRevision = () => pick([-1, 1e6 + int(1e6), 1.5, "0", null, 2 ** 53, true]);
  const badOperation = () => pick([
    [1.5], [{ a: 1 }], [[1]], [2 ** 31], [-(2 ** 31) - 1], "abc", null, [true], {}, [1e400],
    [0, 0, "x", -3], ["x", -999999], [7, 7, 7],
  ]);
  const kinds = [
    () => ({ data: bytes(1 + int(64)), text: false }),
    () => ({ data: bytes(1 + int(64)), text: true }),  // almost surely invalid UTF-8
    () => ({ data: Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), text: true }),  // encoded surrogate
    () => ({ data: ascii(1 + int(80)), text: true }),
    () => ({ data: JSON.stringify({ Edit: { revision: 3, operation: [1, "x"] } }).slice(0, 1 + int(30)), text: true }),
    () => ({ data: JSON.stringify({ Edit: { revision: badRevision(), operation: [1, "x"] } }), text: true }),
    () => ({ data: JSON.stringify({ Edit: { revision: 1e6 + int(9), operation: badOperation() } }), text: true }),
    () => ({ data: JSON.stringify({ Edit: { revision: 2e6, operation: ["x"], client: ascii(70), seq: -1 } }), text: true }),
    () => ({ data: JSON.stringify({ Edit: { revision: int(3) === 0 ? "x" : 9e9 } }), text: true }),
    () => ({ data: JSON.stringify({ Nope: int(5) }), text: true }),
    () => ({ data: JSON.stringify({ CursorData: { cursors: [-1, 1e12, 0.5], selections: [[1]] } }), text: true }),
    () => ({ data: JSON.stringify({ CursorData: { cursors: [int(10)], selections: [[int(5), int(5)]] } }), text: true }),
    () => ({ data: JSON.stringify({ ClientInfo: { name: ascii(int(100)), hue: pick([1e9, -5, 400, "red", 3]) } }), text: true }),
    () => ({ data: JSON.stringify({ SetLanguage: pick(["", ascii(100), "py\u0000thon", "🦀", 5]) }), text: true }),
    () => ({ data: JSON.stringify({ Signal: { to: int(50), data: { sdp: ascii(int(200)) } } }), text: true }),
    () => ({ data: JSON.stringify({ Signal: { to: "x", data: null } }), text: true }),
    () => ({ data: JSON.stringify({ SetOTP: "maybe" }), text: true }),
    () => ({ data: "[".repeat(4000) + "]".repeat(4000), text: true }),
    () => ({ data: `{"Edit":{"revision":${"[".repeat(3000)}`, text: true }),
    () => ({ data: JSON.stringify({ SetLanguage: "x".repeat(oversizeBytes) }), text: true }),
    () => ({ data: bytes(oversizeBytes), text: false }),
    () => ({ data: '{"SetLanguage":"\\ud83d"}', text: true }),
    () => ({ data: '{"Edit":{"revision":1e999999,"operation":[]}}', text: true }),
    () => ({ data: '{"Edit":{"revision":0,"operation":[],"revision":1}}' + "x", text: true }),
  ];
  return () => pick(kinds)();
}
