import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';

export type Theme = 'light' | 'dark';
type Choice = Theme | 'system';

const KEY = 'trainyard.theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');
const ThemeContext = createContext<{ theme: Theme; choice: Choice; setChoice(c: Choice): void }>({
  theme: 'light',
  choice: 'system',
  setChoice: () => {},
});

function stored(): Choice {
  try {
    const v = window.localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

/** The theme follows the system unless the person picked one; the pick is remembered. */
export function ThemeProvider({ children }: { children: ReactNode }) {
  const [choice, setChoiceState] = useState<Choice>(stored);
  const systemDark = useSyncExternalStore(
    (cb) => {
      media.addEventListener('change', cb);
      return () => media.removeEventListener('change', cb);
    },
    () => media.matches,
  );
  const theme: Theme = choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
  useEffect(() => {
    if (choice === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = choice;
  }, [choice]);
  const setChoice = (c: Choice) => {
    setChoiceState(c);
    try {
      if (c === 'system') window.localStorage.removeItem(KEY);
      else window.localStorage.setItem(KEY, c);
    } catch {
      // Private windows may refuse storage; the choice then lasts for this page only.
    }
  };
  return <ThemeContext.Provider value={{ theme, choice, setChoice }}>{children}</ThemeContext.Provider>;
}

export function useTheme(): Theme {
  return useContext(ThemeContext).theme;
}

export function ThemeToggle() {
  const { theme, setChoice } = useContext(ThemeContext);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" onClick={() => setChoice(next)} aria-label={`Switch to ${next} theme`} title={`Switch to ${next} theme`} data-testid="theme-toggle">
      {theme === 'dark' ? '☀' : '☾'} {next}
    </button>
  );
}
