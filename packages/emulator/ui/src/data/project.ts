/** Which project the UI shows: `?project=` in the URL, else the emulator's configured one. */
import { useLocation } from 'preact-iso';
import type { EmulatorInfo } from './api.js';
import { useResource } from './store.js';

export function useInfo(): EmulatorInfo | undefined {
  return useResource<EmulatorInfo>('/emulator/v1/info')?.data.value;
}

export function useProject(): string | undefined {
  const { query } = useLocation();
  const info = useInfo();
  return query.project || info?.project;
}

/** A UI path with the current `?project=` kept (and extra query parameters added). */
export function useHref(): (path: string, query?: Record<string, string | undefined>) => string {
  const { query } = useLocation();
  return (path, extra = {}) => {
    const q = new URLSearchParams();
    if (query.project) q.set('project', query.project);
    for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
    const s = q.toString();
    return s ? `${path}?${s}` : path;
  };
}
