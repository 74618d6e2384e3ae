// The theme reaches components through context; the default theme's roles
// are the fallback so a component renders in tests without a provider.
import { createContext, useContext } from 'react';

import type { Role, Theme } from '../theme/theme.ts';
import { textProps } from '../theme/theme.ts';

const plain: Theme = {
  name: 'plain',
  roles: {
    text: {}, muted: { dim: true }, border: { dim: true }, borderActive: { bold: true }, title: {}, titleActive: { bold: true, inverse: true },
    header: { bold: true }, selected: { inverse: true }, ok: {}, warn: {}, error: { bold: true }, accent: {},
  },
};

export const ThemeContext = createContext<Theme>(plain);

/** Ink <Text> props for a role of the current theme. */
export function useRole(): (role: Role) => ReturnType<typeof textProps> {
  const theme = useContext(ThemeContext);
  return (role) => textProps(theme.roles[role]);
}
