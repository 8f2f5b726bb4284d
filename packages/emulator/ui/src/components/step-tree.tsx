/**
 * An execution's step history as a tree (WAI-ARIA tree view,
 * https://www.w3.org/WAI/ARIA/apg/patterns/treeview/): loop iterations, parallel branches, the
 * attempts of a try step with their retries and its except block, and the steps of a called
 * subworkflow nested under what ran them; exceptions and retries shown on their rows.
 *
 * The items are one flat list with `aria-level`, `aria-setsize` and `aria-posinset` (what the
 * pattern allows), so each row is the element that takes focus. One row is in the Tab order; the
 * arrow keys move between rows (Right opens a row or goes to its first child, Left closes it or
 * goes to its parent), Home and End go to the first and last, Enter or Space (or a click)
 * selects the row's step.
 */
import { useMemo, useState } from 'preact/hooks';
import type { StepEntry } from '../data/api.js';
import type { StepTreeNode } from '../data/steps.js';
import { formatDuration } from '../format.js';
import { StateBadge } from './common.js';

/** What a row says of its entry: a step by its name, the parts of a step by what they are. */
export function entryTitle(e: StepEntry): string {
  const n = e.stepEntryMetadata?.progressNumber;
  const of = e.stepEntryMetadata?.expectedIteration;
  switch (e.stepType) {
    case 'STEP_FOR_ITERATION':
      return `iteration ${n ?? '?'}${of ? ` of ${of}` : ''}`;
    case 'STEP_PARALLEL_BRANCH_ENTRY':
      return `branch ${e.step ?? ''}`;
    case 'STEP_CONDITION':
      return `condition ${n ?? ''}`.trim();
    case 'STEP_TRY':
      return 'try';
    case 'STEP_RETRY':
      return `retry ${n ?? ''}`.trim();
    case 'STEP_EXCEPT':
      return 'except';
    default:
      return e.step ?? `entry ${e.entryId}`;
  }
}

/** `STEP_FOR_ITERATION` → `for iteration`. */
export const stepTypeText = (t: string | undefined) =>
  (t ?? '')
    .replace(/^STEP_/, '')
    .replace(/_/g, ' ')
    .toLowerCase();

/** How long an entry took (or has taken so far), from its times. */
export function entryDuration(e: StepEntry): string {
  const start = Date.parse(e.createTime ?? '');
  const end = Date.parse(e.updateTime ?? '');
  if (!Number.isFinite(start) || !Number.isFinite(end) || e.state === 'STATE_IN_PROGRESS') return '';
  return formatDuration(`${Math.max(0, end - start) / 1000}s`);
}

interface Row {
  node: StepTreeNode;
  level: number;
  setSize: number;
  posInSet: number;
  parentId: string | undefined;
}

function visibleRows(roots: readonly StepTreeNode[], collapsed: ReadonlySet<string>): Row[] {
  const rows: Row[] = [];
  const walk = (nodes: readonly StepTreeNode[], level: number, parentId: string | undefined) => {
    nodes.forEach((node, i) => {
      rows.push({ node, level, setSize: nodes.length, posInSet: i + 1, parentId });
      if (node.children.length > 0 && !collapsed.has(node.entry.entryId))
        walk(node.children, level + 1, node.entry.entryId);
    });
  };
  walk(roots, 1, undefined);
  return rows;
}

export interface StepTreeProps {
  roots: readonly StepTreeNode[];
  /** The selected entry's ID. */
  selected: string | undefined;
  onSelect: (entryId: string) => void;
}

export function StepTreeView({ roots, selected, onSelect }: StepTreeProps) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [focused, setFocused] = useState<string | undefined>(undefined);
  const rows = useMemo(() => visibleRows(roots, collapsed), [roots, collapsed]);
  if (rows.length === 0) return <p class="empty">No steps recorded.</p>;
  const ids = rows.map((r) => r.node.entry.entryId);
  // The row in the Tab order: the focused one, else the selected one, else the first.
  const tabStop = [focused, selected].find((id) => id !== undefined && ids.includes(id)) ?? ids[0];

  const toggle = (id: string, open: boolean) => {
    const next = new Set(collapsed);
    if (open) next.delete(id);
    else next.add(id);
    setCollapsed(next);
  };
  const focus = (id: string | undefined) => {
    if (id === undefined) return;
    setFocused(id);
    // At once when the row is there (a key held down moves row by row), else once it is drawn.
    const row = document.getElementById(`step-${id}`);
    if (row) row.focus();
    else requestAnimationFrame(() => document.getElementById(`step-${id}`)?.focus());
  };
  const onKeyDown = (row: Row, e: KeyboardEvent) => {
    const id = row.node.entry.entryId;
    const at = ids.indexOf(id);
    const hasChildren = row.node.children.length > 0;
    const open = hasChildren && !collapsed.has(id);
    switch (e.key) {
      case 'ArrowDown':
        focus(ids[at + 1]);
        break;
      case 'ArrowUp':
        focus(ids[at - 1]);
        break;
      case 'Home':
        focus(ids[0]);
        break;
      case 'End':
        focus(ids[ids.length - 1]);
        break;
      case 'ArrowRight':
        if (hasChildren && !open) toggle(id, true);
        else if (open) focus(row.node.children[0]?.entry.entryId);
        break;
      case 'ArrowLeft':
        if (open) toggle(id, false);
        else focus(row.parentId);
        break;
      case 'Enter':
      case ' ':
        onSelect(id);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <div class="step-tree" role="tree" id="steps" aria-label="Steps the execution took">
      {rows.map((row) => {
        const e = row.node.entry;
        const id = e.entryId;
        const hasChildren = row.node.children.length > 0;
        const open = hasChildren && !collapsed.has(id);
        const title = entryTitle(e);
        const state = (e.state ?? '')
          .replace(/^STATE_/, '')
          .toLowerCase()
          .replace('_', ' ');
        const thread = e.stepEntryMetadata?.threadId;
        return (
          <div
            key={id}
            id={`step-${id}`}
            role="treeitem"
            class={`tree-row${selected === id ? ' selected' : ''}${e.exception ? ' has-exception' : ''}`}
            aria-level={row.level}
            aria-setsize={row.setSize}
            aria-posinset={row.posInSet}
            aria-expanded={hasChildren ? open : undefined}
            aria-selected={selected === id}
            aria-label={`${title}${e.routine && e.routine !== 'main' ? ` in ${e.routine}` : ''}, ${stepTypeText(e.stepType)}, ${state}${e.exception?.payload ? `, exception ${e.exception.payload}` : ''}`}
            data-step={e.step}
            data-entry={id}
            data-type={e.stepType}
            tabIndex={id === tabStop ? 0 : -1}
            style={{ paddingLeft: `${0.4 + (row.level - 1) * 1.15}rem` }}
            onClick={() => {
              setFocused(id);
              onSelect(id);
            }}
            onKeyDown={(ev) => onKeyDown(row, ev)}
          >
            <span
              class={`twisty${hasChildren ? '' : ' leaf'}`}
              aria-hidden="true"
              onClick={(ev) => {
                if (!hasChildren) return;
                ev.stopPropagation();
                toggle(id, !open);
              }}
            >
              {hasChildren ? (open ? '▾' : '▸') : ''}
            </span>
            <span class={`tree-title kind-${(e.stepType ?? '').toLowerCase()}`}>{title}</span>
            {hasChildren && !open && <span class="muted small"> ({row.node.children.length})</span>}
            <span class="tree-type muted small">{stepTypeText(e.stepType)}</span>
            {e.routine && e.routine !== 'main' && <span class="tree-routine muted small">{e.routine}</span>}
            {thread && <span class="tree-thread muted small">thread {thread}</span>}
            <span class="tree-end">
              <StateBadge state={e.state} />
              <span class="tree-time muted small">{entryDuration(e)}</span>
            </span>
            {e.exception?.payload && (
              <span class="tree-exception error-text small">{e.exception.payload}</span>
            )}
          </div>
        );
      })}
    </div>
  );
}
