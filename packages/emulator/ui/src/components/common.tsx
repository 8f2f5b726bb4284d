import { useEffect } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { liveProblem, liveState, reconnectLive, type Resource } from '../data/store.js';

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

/** The state of the page's live event stream, with a way to reopen it when the emulator refused it. */
export function LiveIndicator() {
  const state = liveState.value;
  const label =
    state === 'live'
      ? 'Live'
      : state === 'connecting'
        ? 'Connecting…'
        : state === 'reconnecting'
          ? 'Reconnecting…'
          : 'Not live';
  return (
    <span
      class={`live live-${state}`}
      role="status"
      title={liveProblem.value ?? 'Updates as the emulator works'}
    >
      <span class="live-dot" aria-hidden="true" />
      {label}
      {state === 'off' && (
        <button type="button" class="link" onClick={reconnectLive}>
          Reconnect
        </button>
      )}
    </span>
  );
}

/** The browser tab's title for this page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · workflows-emulator`;
  }, [title]);
}
