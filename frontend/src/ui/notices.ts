// Short messages at the bottom of the page (errors stay longer than information).

/** Shows a message that disappears by itself. */
export function notify(kind: "error" | "info", text: string): void {
  const box = document.getElementById("notices");
  if (!box) return;
  const el = document.createElement("div");
  el.className = `notice notice-${kind}`;
  el.textContent = text;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.addEventListener("click", () => el.remove());
  box.appendChild(el);
  setTimeout(() => el.remove(), kind === "error" ? 10000 : 6000);
}
