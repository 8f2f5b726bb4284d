/** Light, dark, or the system's choice; remembered in this browser. */
import { signal } from '@preact/signals';

export const THEMES = ['auto', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

const KEY = 'workflows-emulator.theme';

function stored(): Theme {
  try {
    const v = localStorage.getItem(KEY);
    return (THEMES as readonly string[]).includes(v ?? '') ? (v as Theme) : 'auto';
  } catch {
    return 'auto';
  }
}

export const theme = signal<Theme>(stored());

export function applyTheme(t: Theme): void {
  theme.value = t;
  if (t === 'auto') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', t);
  try {
    localStorage.setItem(KEY, t);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

applyTheme(theme.value);
