// Signal names and numbers as kill(1) takes them: KILL, SIGKILL, kill, 9.
import { constants } from 'node:os';

const table = constants.signals as Record<string, number>;

/** The signal number, or undefined when the text names none. */
export function parseSignal(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= 1 && n <= 64 ? n : undefined;
  }
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return table[name];
}

/** SIGTERM for 15, or the number itself when it has no name. */
export function signalName(n: number): string {
  for (const [name, num] of Object.entries(table)) if (num === n) return name;
  return String(n);
}
