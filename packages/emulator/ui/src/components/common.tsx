import { useEffect } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { invalidate, type Resource } from '../data/store.js';

export function StateBadge({ state }: { state: string | undefined }) {
  const s = (state ?? 'UNKNOWN').replace(/^STATE_/, '');
  return <span class={`state state-${s.toLowerCase()}`}>{s}</span>;
}

/** A block of preformatted text (JSON, stack traces), selectable and scrollable. */
export function Pre({ children, id, label }: { children: string; id?: string; label?: string }) {
  return (
    <pre class="block" id={id} tabIndex={0} aria-label={label}>
      {children}
    </pre>
  );
}

export function ErrorMessage({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  );
}

/** Shows a resource's error, or "Loading…" before its first answer, else the children. */
export function Loaded<T>({
  resource,
  children,
}: {
  resource: Resource<T> | undefined;
  children: (data: T) => ComponentChildren;
}) {
  if (!resource) return null;
  const data = resource.data.value;
  const error = resource.error.value;
  if (data === undefined) {
    if (error) return <ErrorMessage error={error} />;
    return <p class="muted">Loading…</p>;
  }
  return (
    <>
      {error && <ErrorMessage error={error} />}
      {children(data)}
    </>
  );
}

export function PageHeader({
  title,
  kicker,
  children,
}: {
  title: ComponentChildren;
  kicker?: ComponentChildren;
  children?: ComponentChildren;
}) {
  return (
    <header class="page-header">
      <div class="page-title">
        {kicker && <div class="kicker">{kicker}</div>}
        <h1>{title}</h1>
      </div>
      {children && <div class="page-actions">{children}</div>}
    </header>
  );
}

export function RefreshButton({
  resources,
  prefixes = [],
}: {
  resources: (Resource<unknown> | undefined)[];
  /** Also reload every resource in view under these URL prefixes (those of child components). */
  prefixes?: string[];
}) {
  const busy = resources.some((r) => r?.loading.value);
  return (
    <button
      type="button"
      class="secondary"
      onClick={() => {
        resources.forEach((r) => void r?.reload());
        if (prefixes.length > 0) invalidate(...prefixes);
      }}
      aria-busy={busy}
      title="Fetch this page's data again"
    >
      {busy ? 'Refreshing…' : 'Refresh'}
    </button>
  );
}

/** The browser tab's title for this page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · workflows-emulator`;
  }, [title]);
}
