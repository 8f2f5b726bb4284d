/**
 * A tab list (WAI-ARIA tabs pattern): one tab in the Tab order, the arrow keys move between
 * tabs (Home and End to the first and last), and the selected tab controls one panel.
 */
import type { ComponentChildren } from 'preact';

export interface TabsProps<T extends string> {
  /** Prefix of the tabs' and panel's element IDs. */
  id: string;
  label: string;
  tabs: readonly T[];
  selected: T;
  onSelect: (tab: T) => void;
  /** The text of a tab (default: its name, capitalised). */
  title?: (tab: T) => string;
  children: ComponentChildren;
}

const capitalised = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);

export function Tabs<T extends string>({
  id,
  label,
  tabs,
  selected,
  onSelect,
  title = capitalised,
  children,
}: TabsProps<T>) {
  const tabId = (t: T) => `${id}-tab-${t}`;
  return (
    <>
      <div class="tabs" role="tablist" aria-label={label}>
        {tabs.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={tabId(t)}
            aria-selected={t === selected}
            aria-controls={`${id}-panel`}
            tabIndex={t === selected ? 0 : -1}
            onClick={() => onSelect(t)}
            onKeyDown={(e) => {
              const i = tabs.indexOf(t);
              const to =
                e.key === 'ArrowRight'
                  ? tabs[(i + 1) % tabs.length]
                  : e.key === 'ArrowLeft'
                    ? tabs[(i + tabs.length - 1) % tabs.length]
                    : e.key === 'Home'
                      ? tabs[0]
                      : e.key === 'End'
                        ? tabs[tabs.length - 1]
                        : undefined;
              if (to === undefined) return;
              e.preventDefault();
              onSelect(to);
              requestAnimationFrame(() => document.getElementById(tabId(to))?.focus());
            }}
          >
            {title(t)}
          </button>
        ))}
      </div>
      <div class="tab-panel" role="tabpanel" id={`${id}-panel`} aria-labelledby={tabId(selected)}>
        {children}
      </div>
    </>
  );
}
