// The page: routes to a document, builds the editor, and wires the session to the controls.
import "./style.css";
import { monaco } from "./editor/monaco-setup.js";
import { MonacoBinding } from "./editor/binding.js";
import { RemoteCursors, hueColor } from "./editor/remote-cursors.js";
import { useOwnUndo } from "./editor/undo-commands.js";
import { AuthorTints } from "./editor/author-tints.js";
import { HistoryView } from "./editor/history-view.js";
import { HistoryApi, LiveAuthorship, Session, Timeline, UndoManager, accessProblem, hueTaken, pickFreeHue, tokenClaims,
  type HistoryEntry, type SaveState, type SocketLike, type Status, type VersionMsg } from "./collab/index.js";
import { HistoryPanel } from "./ui/history-panel.js";
import { newDocId, parseRoute, routeHash, shareLink, viewLink, type Route } from "./ui/route.js";
import { askForToken, canAskForTokens, onUnaskedToken } from "./ui/embedding.js";
import { notify } from "./ui/notices.js";
import { languageForFile, languageName, languages } from "./ui/languages.js";
import { loadMe, renderUsers, saveMe } from "./ui/people.js";
import { setupPreferences } from "./ui/preferences.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let route: Route = parseRoute(location.hash) ?? { id: newDocId(), otp: null };
const initialToken = route.token ?? null;
history.replaceState(null, "", routeHash(route)); // a token never stays in the address bar
addEventListener("hashchange", () => {
  const r = parseRoute(location.hash);
  if (r && r.id === route.id && r.token) { // an embedding page handing over a fresh token
    history.replaceState(null, "", routeHash(route));
    session.setToken(r.token);
    drawAccess();
    return;
  }
  if (!r || r.id !== route.id || r.otp !== route.otp || (r.view ?? null) !== (route.view ?? null)) location.reload();
});

const model = monaco.editor.createModel("", "plaintext");
model.setEOL(monaco.editor.EndOfLineSequence.LF);
const editor = monaco.editor.create($("editor"), {
  model,
  automaticLayout: true,
  fontSize: 14,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  renderWhitespace: "selection",
});
const binding = new MonacoBinding(editor, model);
const undo = new UndoManager(binding); // the session's edits pass through it; so do ours
useOwnUndo(editor, model, undo);
const remote = new RemoteCursors(editor, binding);
const me = loadMe();
setupPreferences(editor);

let connectedOnce = false;
const STATUS_TEXT: Record<Status, string> = {
  connecting: "Connecting…", connected: "Connected", reconnecting: "Reconnecting…",
  offline: "Offline", protected: "Protected",
};

// The API lives beside the page, so that the app works under a sub-path (/pad/) as under /.
const apiBase = new URL("api/", new URL(".", location.href));
const session = new Session({
  socketUrl: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${apiBase.pathname}socket/${route.id}`,
  docId: route.id,
  otp: route.otp,
  view: route.view ?? null,
  token: initialToken,
  getToken: canAskForTokens() || initialToken ? (reason) => askForToken(route.id, reason) : undefined,
  socket: (url) => new WebSocket(url) as unknown as SocketLike,
  editor: undo,
  storage: localStorage,
  events: {
    status(s) {
      const el = $("status");
      el.dataset.status = s;
      el.textContent = STATUS_TEXT[s];
      if (s === "connected") connectedOnce = true;
      if (s === "connected") { drawAccess(); setTimeout(fixHue, 400); }
      if (s === "protected") showProtected();
    },
    users() { drawUsers(); drawCursors(); drawAuthors(); },
    cursors() { drawCursors(); },
    language(lang, by) {
      monaco.editor.setModelLanguage(model, lang);
      ($("language") as HTMLSelectElement).value = lang;
      if (by === null) return;
      const who = by === session.myId ? "You" : session.users.get(by)?.name ?? "Someone";
      const text = `${who} changed the language to ${languageName(lang)}`;
      $("language-info").textContent = text;
      notify("info", text);
    },
    otp(otp, byName, byId) {
      route = { id: route.id, otp };
      history.replaceState(null, "", routeHash(route));
      drawShare();
      const who = byId === session.myId ? "You" : byName || "Someone";
      const text = otp ? `${who} protected this document: only the share link opens it now`
        : `${who} removed the protection`;
      $("protect-info").textContent = text;
      notify("info", text);
    },
    notice: notify,
    saveState: drawSaveState,
    history: onHistory,
    reset() { authorship.onReset(); },
    version: onVersion,
    refused(code, message) {
      notify("error", code === "bad_version_name" ? `The version was not saved: ${message}`
        : code === "revision_gone" ? "That revision is older than the kept history and cannot be restored"
        : `Not done: ${message || code}`);
    },
    async isProtected() {
      const q = new URLSearchParams();
      if (route.otp) q.set("otp", route.otp);
      if (route.view) q.set("view", route.view);
      const headers: Record<string, string> = session.token ? { authorization: `Bearer ${session.token}` } : {};
      const qs = q.toString();
      const res = await fetch(new URL(`text/${route.id}${qs ? `?${qs}` : ""}`, apiBase), { headers });
      const problem = accessProblem(res.status, res.status === 401 ? await res.json().catch(() => null) : null);
      return problem === "token" ? "token" : problem !== null;
    },
    viewLink(token) {
      const input = $("view-link") as HTMLInputElement;
      input.value = viewLink(route.id, token);
      $("view-link-row").hidden = false;
      $("create-view-link").textContent = "New read-only link";
      $("protect-info").textContent = "Anyone with the read-only link can read along; a new link turns the previous one off.";
      copyText(input).then((copied) => notify("info", copied ? "Read-only link copied" : "Read-only link created"));
    },
  },
});
onUnaskedToken((token) => { session.setToken(token); drawAccess(); });
session.setInfo({ name: me.name, hue: me.hue });
undo.send = (op) => { session.localEdit(op); drawAuthors(); };
binding.onLocal = (op) => undo.edit(op);
binding.onCaretJump = () => undo.stop();
binding.onDesync = (why) => session.resync(why);
let cursorFrame = 0;
binding.onCursor = (cursors, selections) => {
  if (cursorFrame) cancelAnimationFrame(cursorFrame);
  cursorFrame = requestAnimationFrame(() => { cursorFrame = 0; session.setCursor({ cursors, selections }); });
};
addEventListener("pagehide", () => session.saveForUnload());
addEventListener("online", () => session.reconnectNow());
addEventListener("offline", () => session.dropConnection());
// History: the live authorship ("Authors"), the history panel, versions and restores.
const api = new HistoryApi(route.id, (url) => fetch(url), "", () => ({ otp: route.otp, view: route.view, token: session.token }));
const authorship = new LiveAuthorship(api, session);
const tints = new AuthorTints(editor, (cp) => binding.posAt(cp));
const authorsToggle = $("authors-toggle") as HTMLInputElement;
authorship.onChange = drawAuthors;
authorship.onError = (m) => notify("error", `Authors could not be read: ${m}`);
authorsToggle.addEventListener("change", () => {
  if (authorsToggle.checked) authorship.start();
  else { authorship.stop(); tints.clear(); }
  drawAuthors();
  if (panel.opened) void panel.show(panel.revision);
});
const viewer = new HistoryView($("history-viewer"));
const panel = new HistoryPanel({
  panel: $("history"), editor: $("editor"), toggle: $("history-toggle") as HTMLButtonElement,
  slider: $("history-slider") as HTMLInputElement, play: $("history-play") as HTMLButtonElement,
  label: $("history-label"), restore: $("history-restore") as HTMLButtonElement,
  copy: $("history-copy") as HTMLButtonElement, close: $("history-close") as HTMLButtonElement,
  list: $("history-list") as HTMLOListElement, more: $("history-more") as HTMLButtonElement,
  versionForm: $("version-form") as HTMLFormElement, versionName: $("version-name") as HTMLInputElement,
}, new Timeline(api), viewer, api, {
  restore: (r) => session.restore(r),
  saveVersion: (name) => session.saveVersion(name),
  language: () => model.getLanguageId(),
  look: (id) => authorship.look(id),
  showAuthors: () => authorsToggle.checked,
  notify,
});

function whoIs(id: number): string {
  return id === session.myId ? "You" : authorship.look(id)?.name ?? "Someone";
}

function onHistory(start: number, entries: HistoryEntry[]): void {
  authorship.onHistory(start, entries);
  for (const e of entries) {
    if (e.restore !== undefined) notify("info", `${whoIs(e.id)} restored revision ${e.restore}`);
  }
  panel.changed();
  drawAuthors();
}

function onVersion(v: VersionMsg): void {
  const who = whoIs(v.user);
  notify("info", `${who} saved version “${v.name}” (revision ${v.revision})`);
  panel.changed();
}

let authorsFrame = 0;
/** Redraws the author tints once per frame while "Authors" is on. */
function drawAuthors(): void {
  if (!authorsToggle.checked || authorsFrame) return;
  authorsFrame = requestAnimationFrame(() => {
    authorsFrame = 0;
    const runs = authorship.localRuns();
    if (runs) tints.render(runs, (id) => authorship.look(id));
  });
}


// For tests and the console; keeps what an embedding page put there first (its getToken hook).
Object.assign(window, { kolabpad: Object.assign((window as unknown as { kolabpad?: object }).kolabpad ?? {},
  { session, editor, model, monaco, binding, undo, authorship, panel, viewer }) });

/** "Saved" once the server acknowledged every edit, "Saving…" before; offline, how many wait. */
function drawSaveState(s: SaveState): void {
  const el = $("save-status");
  if (el.hidden && s.state === "saved" && !connectedOnce) return; // nothing to say before the first load
  const text = s.state === "saved" ? "Saved" : s.state === "saving" ? "Saving…"
    : `${s.waiting} ${s.waiting === 1 ? "change" : "changes"} waiting`;
  el.hidden = false;
  if (el.dataset.state === s.state && el.textContent === text) return;
  el.dataset.state = s.state;
  el.textContent = text;
  el.title = s.state === "waiting" ? "Kept in this browser and sent when the connection is back"
    : s.state === "saving" ? "Waiting for the server to store your last change" : "Stored on the server";
}

let drawPending = false;
function drawCursors(): void {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => { drawPending = false; remote.render(session.cursorsLocal(), session.users); });
}

function drawUsers(): void {
  renderUsers($("users"), session.users, session.myId, me);
  $("my-color").style.background = hueColor(me.hue);
  ($("hue") as HTMLInputElement).value = String(me.hue);
}

function otherHues(): number[] {
  return [...session.users].filter(([id]) => id !== session.myId).map(([, u]) => u.hue);
}

let fixedName: string | null = null; // the name a token gives (the user's own is kept for other documents)
let ownName = me.name;

function setMe(name: string, hue: number, chosen: boolean): void {
  me.name = fixedName ?? (name.slice(0, 64) || me.name);
  me.hue = hue;
  me.hueChosen = me.hueChosen || chosen;
  saveMe(fixedName === null ? me : { ...me, name: ownName });
  session.setInfo({ name: me.name, hue: me.hue });
  drawUsers();
}

/** A color someone else already wears is swapped once for a free one (unless picked by hand). */
function fixHue(): void {
  if (!me.hueChosen && hueTaken(me.hue, otherHues())) setMe(me.name, pickFreeHue(otherHues()), false);
}

function drawShare(): void {
  ($("share-link") as HTMLInputElement).value = shareLink(route);
  ($("protect-toggle") as HTMLInputElement).checked = !!route.otp;
}

/** The read-only parts of the page for a viewer (a read-only link or a view token); the name a token fixes. */
function drawAccess(): void {
  const claims = session.token ? tokenClaims(session.token) : null;
  const viewer = !!route.view || claims?.role === "view";
  const tokens = session.token !== null; // the embedding application decides who gets in: no OTP, no links
  editor.updateOptions({ readOnly: viewer, readOnlyMessage: { value: "View only: this document is read-only for you" } });
  document.body.classList.toggle("is-viewer", viewer);
  $("view-only").hidden = !viewer;
  $("language-section").hidden = viewer;
  $("protect-row").hidden = viewer || tokens;
  $("view-link-box").hidden = viewer || tokens;
  $("open-file-button").hidden = viewer;
  $("history-restore").hidden = viewer; // the server refuses a viewer's Restore and SaveVersion anyway
  $("version-form").hidden = viewer;
  const name = $("name") as HTMLInputElement;
  if (claims && typeof claims.name === "string") {
    if (fixedName === null) ownName = me.name;
    fixedName = me.name = claims.name; // what the server shows others anyway; not remembered for other documents
    name.value = claims.name;
    name.disabled = true;
    name.title = "Your name comes from the application you signed in to";
    drawUsers();
  }
}

async function copyText(input: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    input.select();
    return document.execCommand("copy");
  }
}

function showProtected(): void {
  document.body.classList.add("is-protected");
  $("protected").hidden = false;
  const form = $("otp-form");
  if (session.denied === "token") {
    $("protected-title").textContent = "You need access to this document";
    $("protected-text").textContent = "Open it from the application that gave you access, or sign in there again.";
    form.hidden = true;
  } else if (session.denied === "view_link") {
    $("protected-title").textContent = "This read-only link no longer works";
    $("protected-text").textContent = "Ask the person who shared it for the new link.";
    form.hidden = true;
  } else {
    ($("otp-input") as HTMLInputElement).focus();
  }
}

// Controls.
const nameInput = $("name") as HTMLInputElement;
nameInput.value = me.name;
nameInput.addEventListener("change", () => setMe(nameInput.value.trim(), me.hue, false));
const hueInput = $("hue") as HTMLInputElement;
hueInput.addEventListener("input", () => setMe(me.name, Number(hueInput.value), true));
$("new-color").addEventListener("click", () => setMe(me.name, pickFreeHue(otherHues()), true));

const langSelect = $("language") as HTMLSelectElement;
for (const l of languages()) langSelect.add(new Option(l.name, l.id));
langSelect.value = "plaintext";
langSelect.addEventListener("change", () => session.setLanguage(langSelect.value));

$("copy-link").addEventListener("click", async () => {
  await copyText($("share-link") as HTMLInputElement);
  notify("info", "Link copied");
});
$("create-view-link").addEventListener("click", () => session.createViewLink());
$("copy-view-link").addEventListener("click", async () => {
  await copyText($("view-link") as HTMLInputElement);
  notify("info", "Read-only link copied");
});
const protect = $("protect-toggle") as HTMLInputElement;
protect.addEventListener("change", () => {
  session.setProtected(protect.checked);
  protect.checked = !!route.otp; // flips when the server confirms with an OTP message
});

$("download").addEventListener("click", () => {
  const ext = languages().find((l) => l.id === model.getLanguageId())?.ext ?? ".txt";
  const url = URL.createObjectURL(new Blob([session.client.localText()], { type: "text/plain;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = `${route.id}${ext}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});
const fileInput = $("open-file") as HTMLInputElement;
fileInput.addEventListener("change", async () => {
  const file = fileInput.files?.[0];
  fileInput.value = "";
  if (!file) return;
  const text = (await file.text()).replace(/\r\n?/g, "\n");
  editor.pushUndoStop();
  editor.executeEdits("open-file", [{ range: model.getFullModelRange(), text }]);
  editor.pushUndoStop();
  const lang = languageForFile(file.name);
  if (lang && lang !== model.getLanguageId()) session.setLanguage(lang);
  notify("info", `Opened ${file.name}`);
});

$("otp-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const otp = ($("otp-input") as HTMLInputElement).value.trim();
  if (otp) location.hash = routeHash({ id: route.id, otp });
});

const menu = $("menu-toggle");
menu.addEventListener("click", () => {
  const open = document.body.classList.toggle("sidebar-open");
  menu.setAttribute("aria-expanded", String(open));
});

drawShare();
drawUsers();
drawAccess();

