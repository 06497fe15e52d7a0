/** Everything a key can do on the player page. */
export type Action =
  | { readonly kind: "toggle-play" }
  | { readonly kind: "seek"; readonly by: number }
  | { readonly kind: "volume"; readonly by: number }
  | { readonly kind: "toggle-mute" }
  | { readonly kind: "toggle-fullscreen" }
  | { readonly kind: "toggle-help" }
  | { readonly kind: "close" };

export interface Shortcut {
  /** `KeyboardEvent.key` values that trigger it. */
  readonly keys: readonly string[];
  /** How the help dialog shows the keys. */
  readonly label: string;
  readonly description: string;
  readonly action: Action;
}

/** The one table: the key handler and the `?` help dialog both read it. */
export const SHORTCUTS: readonly Shortcut[] = [
  { keys: [" ", "k", "K"], label: "Space / K", description: "Play or pause", action: { kind: "toggle-play" } },
  { keys: ["ArrowLeft"], label: "←", description: "Back 5 seconds", action: { kind: "seek", by: -5 } },
  { keys: ["ArrowRight"], label: "→", description: "Forward 5 seconds", action: { kind: "seek", by: 5 } },
  { keys: ["j", "J"], label: "J", description: "Back 10 seconds", action: { kind: "seek", by: -10 } },
  { keys: ["l", "L"], label: "L", description: "Forward 10 seconds", action: { kind: "seek", by: 10 } },
  { keys: ["ArrowUp"], label: "↑", description: "Volume up", action: { kind: "volume", by: 0.1 } },
  { keys: ["ArrowDown"], label: "↓", description: "Volume down", action: { kind: "volume", by: -0.1 } },
  { keys: ["m", "M"], label: "M", description: "Mute or unmute", action: { kind: "toggle-mute" } },
  { keys: ["f", "F"], label: "F", description: "Full screen", action: { kind: "toggle-fullscreen" } },
  { keys: ["?"], label: "?", description: "Show these shortcuts", action: { kind: "toggle-help" } },
  { keys: ["Escape"], label: "Esc", description: "Close this list or a menu", action: { kind: "close" } },
];

/** The parts of a KeyboardEvent that decide the action. */
export interface KeyInput {
  readonly key: string;
  readonly ctrlKey?: boolean;
  readonly metaKey?: boolean;
  readonly altKey?: boolean;
  /** Tag name of the focused element, upper case (`INPUT`, `BUTTON`, ...). */
  readonly targetTag?: string;
  /** `type` attribute when the target is an <input>. */
  readonly targetType?: string;
}

const TYPING_INPUTS = new Set(["text", "search", "email", "number", "password", "url", "tel"]);

/**
 * Maps a key press to an action, or null when the page should leave the key alone: browser shortcuts with
 * modifiers, typing in a text field, Space/Enter on a focused button (it activates the button), and arrows on a
 * focused slider or menu (they move it).
 */
export function actionFor(input: KeyInput): Action | null {
  if (input.ctrlKey || input.metaKey || input.altKey) return null;
  const tag = input.targetTag ?? "";
  if (tag === "TEXTAREA" || tag === "SELECT") return null;
  if (tag === "INPUT" && TYPING_INPUTS.has(input.targetType ?? "text")) return null;
  if (tag === "INPUT" && input.targetType === "range" && input.key.startsWith("Arrow")) return null;
  if (tag === "BUTTON" && (input.key === " " || input.key === "Enter")) return null;
  for (const s of SHORTCUTS) if (s.keys.includes(input.key)) return s.action;
  return null;
}
