// This user's name and color (remembered in localStorage) and the list of people present.
import type { UserInfo } from "../collab/index.js";
import { pickFreeHue } from "../collab/index.js";
import { hueColor } from "../editor/remote-cursors.js";

/** This user's display info; `hueChosen` is set once they picked a color themselves. */
export interface Me extends UserInfo { hueChosen: boolean; }

const KEY = "kolabpad:me";
const ANIMALS = ["Otter", "Heron", "Lynx", "Badger", "Falcon", "Marten", "Ibis", "Gecko", "Puffin",
  "Wombat", "Tapir", "Kestrel", "Narwhal", "Okapi", "Quokka", "Vole"];

/** The remembered identity, or a new anonymous one. */
export function loadMe(): Me {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? "null");
    if (v && typeof v.name === "string" && Number.isInteger(v.hue)) {
      return { name: v.name.slice(0, 64), hue: ((v.hue % 360) + 360) % 360, hueChosen: !!v.hueChosen };
    }
  } catch { /* fall through to a new identity */ }
  const animal = ANIMALS[Math.floor(Math.random() * ANIMALS.length)];
  return { name: `Anonymous ${animal}`, hue: pickFreeHue([]), hueChosen: false };
}

/** Remembers the identity for the next visit. */
export function saveMe(me: Me): void {
  try { localStorage.setItem(KEY, JSON.stringify(me)); } catch { /* storage disabled */ }
}

/** Redraws the people list: this user first, then everyone else by name. */
export function renderUsers(list: HTMLElement, users: Map<number, UserInfo>, myId: number | null,
  me: Me): void {
  const rows: [number | null, UserInfo][] = [[myId, me]];
  const others = [...users].filter(([id]) => id !== myId).sort((a, b) => a[1].name.localeCompare(b[1].name));
  rows.push(...others);
  list.replaceChildren(...rows.map(([id, u]) => {
    const li = document.createElement("li");
    li.className = "user";
    if (id !== null) li.dataset.user = String(id);
    const dot = document.createElement("span");
    dot.className = "swatch";
    dot.style.background = hueColor(u.hue);
    const name = document.createElement("span");
    name.className = "user-name";
    name.textContent = id === myId ? `${u.name} (you)` : u.name;
    li.append(dot, name);
    return li;
  }));
}
