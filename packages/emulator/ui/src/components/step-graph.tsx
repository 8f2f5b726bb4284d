/**
 * The graph of a workflow's steps, drawn as SVG from the emulator's step tree: a box per step,
 * arrows for the sequence, `next` jumps routed along the right-hand side, switch arms side by
 * side, and loops, parallel branches, nested `steps` and try/except as framed groups.
 *
 * Workflows are structured (blocks nest; only `next` jumps across), so the layout is a
 * recursive block layout, not a general graph layout: every block knows its size, a sequence
 * stacks its blocks, arms and branches stand in a row.
 *
 * Given an execution's step runs, it draws the path taken: the steps that ran coloured by how
 * they ended (with how often they ran), the arrows between steps that both ran, the failing step
 * outlined, the rest faded. From the flat step entries an arrow counts as taken when both of its
 * ends ran, which is what the entries can say without the order of branches and iterations.
 */
import { useMemo } from 'preact/hooks';
import type { NextNode, RoutineNode, StepNode, StepTree } from '../data/api.js';
import { markText, stepKey, type Failure, type StepRun } from '../data/step-status.js';

const BOX_W = 200;
const BOX_H = 46;
const GAP_Y = 26;
const PAD = 12;
const HEAD = 30;
const COL_GAP = 16;
const ARM_LABEL_H = 24;
const PILL_H = 26;
const LANE_GAP = 12;
/** The end terminal's key among the jump targets (no step name contains a space). */
const END = ' end';
/** The start terminal, as an arrow's origin. */
const START = ' start';

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface BoxOut extends Rect {
  /** The step it draws (none for terminals, jumps and unnamed bodies). */
  name?: string | undefined;
  title: string;
  sub: string;
  kind: string;
  line: number;
  pill?: boolean;
}

interface GroupOut extends Rect {
  name?: string | undefined;
  /** The named steps drawn inside it (a branch or a try body has no entry of its own). */
  inner: string[];
  title: string;
  sub: string;
  kind: string;
  line: number;
}

interface LabelOut {
  x: number;
  y: number;
  w: number;
  text: string;
}

/**
 * A way out of a column of a row (a switch arm, a parallel branch, a try body) that has columns
 * to its right: down the gap right of the column, then along below the row. Jumps leave through
 * it instead of crossing the columns to their right.
 */
interface Channel {
  /** The gap right of the column. */
  x: number;
  /** Below the row (known once the whole row is placed). */
  y: number;
  /** Jumps through it so far (each gets its own offset). */
  used: number;
}

interface Jump {
  from: Rect;
  /** The step the jump leaves from (a switch for its arms' jumps). */
  fromName: string | undefined;
  to: string;
  /** The channels it leaves through, innermost first, with its offset in each. */
  via: { channel: Channel; k: number }[];
}

interface Out {
  boxes: BoxOut[];
  groups: GroupOut[];
  labels: LabelOut[];
  arrows: {
    points: [number, number][];
    kind: 'seq' | 'arm';
    from?: string | undefined;
    to?: string | undefined;
  }[];
  /** Step name → where its box or group is. */
  targets: Map<string, Rect>;
  jumps: Jump[];
  /** The channels of the columns being placed, outermost first. */
  channels: Channel[];
}

/** Offsets of jumps sharing a channel (the room below a row and beside a column is 16 px). */
const CHANNEL_STEP = 4;
const CHANNEL_SLOTS = 3;

/** A jump from `from` to `to`, leaving through the channels of the columns it is in. */
function addJump(out: Out, from: Rect, fromName: string | undefined, to: string): void {
  const via = [...out.channels].reverse().map((channel) => ({ channel, k: channel.used++ % CHANNEL_SLOTS }));
  out.jumps.push({ from, fromName, to, via });
}

interface Laid {
  w: number;
  h: number;
  /** The step it draws, when it is one named step (arrows between steps are known by these). */
  name?: string | undefined;
  /** Whether control can fall out of the bottom into the next step. */
  fallsThrough: boolean;
  place(x: number, y: number, out: Out): Rect;
}

/** Cuts text to about `px` pixels wide (the graph's fonts average about 7 px a character). */
function fit(text: string, px: number, charPx = 7): string {
  const max = Math.max(4, Math.floor(px / charPx));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function nextText(n: NextNode | undefined): string {
  if (!n) return '';
  return n.kind === 'step' ? ` → ${n.step}` : ` → ${n.kind}`;
}

function describe(node: StepNode): string {
  switch (node.kind) {
    case 'assign':
      return `assign ${(node.assign ?? []).join(', ')}`;
    case 'call':
      return `call ${node.call ?? ''}${node.result ? ` → ${node.result}` : ''}`;
    case 'return':
      return `return ${node.value ?? ''}`;
    case 'raise':
      return `raise ${node.value ?? ''}`;
    case 'next':
      return 'next';
    case 'for':
      return loopText(node.for);
    case 'parallel':
      return node.parallel?.for
        ? `parallel ${loopText(node.parallel.for)}`
        : `parallel${node.parallel?.shared.length ? ` · shared ${node.parallel.shared.join(', ')}` : ''}`;
    case 'switch':
      return 'switch';
    case 'steps':
      return 'steps';
    case 'try':
      return `try${node.retry ? ` · retry${node.retry.policy ? ` ${node.retry.policy}` : ''}` : ''}`;
  }
}

function loopText(f: StepNode['for']): string {
  if (!f) return 'for';
  const vars = f.index ? `${f.index}, ${f.value}` : f.value;
  return `for ${vars} in ${f.in ?? f.range ?? ''}`;
}

const endsFlow = (n: StepNode) => n.next !== undefined || n.kind === 'return' || n.kind === 'raise';

function box(node: StepNode, title: string): Laid {
  return {
    w: BOX_W,
    h: BOX_H,
    name: node.name ?? undefined,
    fallsThrough: !endsFlow(node),
    place(x, y, out) {
      const r = { x, y, w: BOX_W, h: BOX_H };
      out.boxes.push({
        ...r,
        name: node.name ?? undefined,
        title,
        sub: describe(node) + nextText(node.next),
        kind: node.kind,
        line: node.line,
      });
      if (node.name) out.targets.set(node.name, r);
      const to = jumpTarget(node.next);
      if (to) addJump(out, r, node.name ?? undefined, to);
      return r;
    },
  };
}

/** Where a `next` goes in the drawing: a step, or the routine's end terminal. */
function jumpTarget(n: NextNode | undefined): string | undefined {
  if (n?.kind === 'step') return n.step;
  if (n?.kind === 'end') return END;
  return undefined;
}

function pill(text: string, line: number, next: NextNode, owner: string | undefined): Laid {
  const w = Math.min(BOX_W, 40 + text.length * 7);
  return {
    w,
    h: PILL_H,
    fallsThrough: false,
    place(x, y, out) {
      const r = { x, y, w, h: PILL_H };
      out.boxes.push({ ...r, title: text, sub: '', kind: 'jump', line, pill: true });
      const to = jumpTarget(next);
      if (to) addJump(out, r, owner, to);
      return r;
    },
  };
}

function placeholder(text: string): Laid {
  return {
    w: BOX_W * 0.6,
    h: PILL_H,
    fallsThrough: true,
    place(x, y, out) {
      out.labels.push({ x: x + (BOX_W * 0.6) / 2, y: y + PILL_H / 2 + 4, w: BOX_W * 0.6, text });
      return { x, y, w: BOX_W * 0.6, h: PILL_H };
    },
  };
}

function seq(nodes: readonly StepNode[]): Laid {
  if (nodes.length === 0) return placeholder('(no steps)');
  const items = nodes.map(step);
  const w = Math.max(...items.map((i) => i.w));
  const h = items.reduce((s, i) => s + i.h, 0) + GAP_Y * (items.length - 1);
  return {
    w,
    h,
    fallsThrough: items[items.length - 1]?.fallsThrough ?? true,
    place(x, y, out) {
      const cx = x + w / 2;
      let top = y;
      let prev: { bottom: number; falls: boolean; name: string | undefined } | undefined;
      for (const item of items) {
        if (prev?.falls)
          out.arrows.push({
            points: [
              [cx, prev.bottom],
              [cx, top],
            ],
            kind: 'seq',
            from: prev.name,
            to: item.name,
          });
        item.place(cx - item.w / 2, top, out);
        prev = { bottom: top + item.h, falls: item.fallsThrough, name: item.name };
        top += item.h + GAP_Y;
      }
      return { x, y, w, h };
    },
  };
}

/**
 * Children side by side, tops aligned. A jump from a column with columns to its right leaves
 * through that column's channel (down the gap beside it, then below the row), so it never runs
 * behind the boxes of the columns to its right. A row stands in a group, whose padding below it
 * is the channels' room.
 */
function row(children: Laid[]): Laid {
  const w = children.reduce((s, c) => s + c.w, 0) + COL_GAP * Math.max(0, children.length - 1);
  const h = Math.max(0, ...children.map((c) => c.h));
  return {
    w,
    h,
    fallsThrough: children.some((c) => c.fallsThrough),
    place(x, y, out) {
      let left = x;
      children.forEach((c, i) => {
        const last = i === children.length - 1;
        if (!last) out.channels.push({ x: left + c.w + 5, y: y + h + 5, used: 0 });
        c.place(left, y, out);
        if (!last) out.channels.pop();
        left += c.w + COL_GAP;
      });
      return { x, y, w, h };
    },
  };
}

/** A labelled column (a switch arm): the label on top, then the content. */
function arm(label: string, content: Laid): Laid {
  const w = Math.max(content.w, Math.min(BOX_W + 40, 24 + label.length * 6.5));
  const h = ARM_LABEL_H + content.h;
  return {
    w,
    h,
    fallsThrough: content.fallsThrough,
    place(x, y, out) {
      out.labels.push({ x: x + w / 2, y: y + 15, w, text: label });
      content.place(x + (w - content.w) / 2, y + ARM_LABEL_H, out);
      return { x, y, w, h };
    },
  };
}

function group(
  node: StepNode | undefined,
  title: string,
  sub: string,
  kind: string,
  line: number,
  content: Laid,
): Laid {
  // Title and description share the header line.
  const headW = 30 + title.length * 8 + sub.length * 6.5;
  const w = Math.max(content.w + 2 * PAD, Math.min(headW, BOX_W + 120), BOX_W);
  const h = HEAD + content.h + PAD + 4;
  const name = node ? (node.name ?? undefined) : kind === 'branch' ? title : undefined;
  return {
    w,
    h,
    name,
    fallsThrough: node ? !endsFlow(node) && content.fallsThrough : content.fallsThrough,
    place(x, y, out) {
      const r = { x, y, w, h };
      const g: GroupOut = { ...r, name, inner: [], title, sub: sub + nextText(node?.next), kind, line };
      out.groups.push(g);
      if (node?.name) out.targets.set(node.name, r);
      const to = jumpTarget(node?.next);
      if (to) addJump(out, { x, y, w, h: HEAD }, name, to);
      const [boxes, groups] = [out.boxes.length, out.groups.length];
      content.place(x + (w - content.w) / 2, y + HEAD + 4, out);
      for (const b of out.boxes.slice(boxes)) if (b.name) g.inner.push(b.name);
      for (const n of out.groups.slice(groups)) g.inner.push(...(n.name ? [n.name] : []), ...n.inner);
      return r;
    },
  };
}

/** An unnamed body (of a try or a switch arm): its steps, or the single action as a box. */
function body(node: StepNode): Laid {
  if (node.kind === 'steps' && !node.name && !node.next) return seq(node.steps ?? []);
  return step(node);
}

function step(node: StepNode): Laid {
  const title = node.name ?? node.kind;
  const sub = describe(node);
  switch (node.kind) {
    case 'steps':
      return group(node, title, sub, 'steps', node.line, seq(node.steps ?? []));
    case 'for':
      return group(node, title, sub, 'for', node.line, seq(node.for?.steps ?? []));
    case 'parallel': {
      const p = node.parallel;
      const content = p?.for
        ? seq(p.for.steps)
        : row(
            (p?.branches ?? []).map((b) =>
              group(undefined, b.name, 'branch', 'branch', b.line, seq(b.steps)),
            ),
          );
      return group(node, title, sub, 'parallel', node.line, content);
    }
    case 'switch': {
      const arms = (node.conditions ?? []).map((c) => {
        let content: Laid;
        if (c.body) content = body(c.body);
        else if (c.next) content = pill(nextText(c.next).trim(), c.line, c.next, node.name ?? undefined);
        else content = placeholder('(nothing)');
        if (c.body && c.next) {
          const inner = content;
          content = {
            ...inner,
            fallsThrough: false,
            place(x, y, out) {
              const r = inner.place(x, y, out);
              const to = jumpTarget(c.next);
              if (to) addJump(out, r, node.name ?? undefined, to);
              return r;
            },
          };
        }
        return arm(c.condition, content);
      });
      return group(node, title, sub, 'switch', node.line, row(arms));
    }
    case 'try': {
      const parts: Laid[] = [];
      if (node.try) parts.push(group(undefined, 'try', '', 'try-body', node.try.line, body(node.try)));
      if (node.except)
        parts.push(
          group(
            undefined,
            'except',
            node.except.as ? `as ${node.except.as}` : '',
            'except',
            node.except.line,
            seq(node.except.steps),
          ),
        );
      return group(node, title, sub, 'try', node.line, row(parts));
    }
    case 'assign':
    case 'call':
    case 'raise':
    case 'return':
    case 'next':
      return box(node, title);
  }
}

function GroupHeader({ g }: { g: GroupOut }) {
  const title = fit(g.title, g.w * 0.5, 8);
  return (
    <text x={g.x + 10} y={g.y + 19} class="group-title">
      {title}
      <tspan class="group-sub" dx={8}>
        {fit(g.sub, g.w - 28 - title.length * 8, 6.5)}
      </tspan>
    </text>
  );
}

interface Drawing {
  width: number;
  height: number;
  out: Out;
  jumpPaths: { d: string; from: string | undefined; to: string; missing: boolean }[];
}

function draw(routine: RoutineNode): Drawing {
  const out: Out = {
    boxes: [],
    groups: [],
    labels: [],
    arrows: [],
    targets: new Map(),
    jumps: [],
    channels: [],
  };
  const body = seq(routine.steps);
  const margin = 16;
  const startH = 24;
  const x0 = margin;
  const contentW = Math.max(body.w, BOX_W);
  const cx = x0 + contentW / 2;
  // Start and end terminals frame the routine.
  out.boxes.push({
    x: cx - 36,
    y: margin,
    w: 72,
    h: startH,
    title: 'start',
    sub: '',
    kind: 'terminal',
    line: routine.line,
    pill: true,
  });
  const top = margin + startH + GAP_Y;
  out.arrows.push({
    points: [
      [cx, margin + startH],
      [cx, top],
    ],
    kind: 'seq',
    from: START,
    to: routine.steps[0]?.name ?? undefined,
  });
  body.place(cx - body.w / 2, top, out);
  const bottom = top + body.h;
  const endY = bottom + GAP_Y;
  if (body.fallsThrough)
    out.arrows.push({
      points: [
        [cx, bottom],
        [cx, endY],
      ],
      kind: 'seq',
      from: routine.steps[routine.steps.length - 1]?.name ?? undefined,
      to: END,
    });
  out.boxes.push({
    x: cx - 36,
    y: endY,
    w: 72,
    h: startH,
    title: 'end',
    sub: '',
    kind: 'terminal',
    line: routine.line,
    pill: true,
  });
  out.targets.set(END, { x: cx - 36, y: endY, w: 72, h: startH });

  // `next` jumps run in lanes right of everything, one lane each, so they never overlap.
  let right = x0 + contentW;
  for (const g of out.groups) right = Math.max(right, g.x + g.w);
  const jumpPaths = out.jumps.map((j, i) => {
    const target = out.targets.get(j.to);
    const lane = right + LANE_GAP * (i + 1);
    const fy = j.from.y + Math.min(j.from.h, BOX_H) / 2;
    const fx = j.from.x + j.from.w;
    if (!target) return { d: `M${fx},${fy} H${fx + 20}`, from: j.fromName, to: j.to, missing: true };
    const ty = target.y + Math.min(target.h, BOX_H) / 2 - 4;
    const tx = target.x + target.w;
    const exits = j.via
      .map(({ channel, k }) => `H${channel.x + CHANNEL_STEP * k} V${channel.y + CHANNEL_STEP * k} `)
      .join('');
    return {
      d: `M${fx},${fy} ${exits}H${lane} V${ty} H${tx + 2}`,
      from: j.fromName,
      to: j.to,
      missing: false,
    };
  });
  const width = right + LANE_GAP * (out.jumps.length + 1) + margin;
  return { width, height: endY + startH + margin, out, jumpPaths };
}

export interface StepGraphProps {
  tree: StepTree;
  /** Called with the source line of the step a reader selects. */
  onSelect?: (line: number) => void;
  selectedLine?: number | undefined;
  /** An execution's step runs by `stepKey`: the graph then shows the path it took. */
  runs?: ReadonlyMap<string, StepRun> | undefined;
  /** Where the execution failed. */
  failure?: Failure | undefined;
}

/** How a drawn step ran, for its classes and label. */
interface PathInfo {
  routine: string;
  runs: ReadonlyMap<string, StepRun>;
  failure: Failure | undefined;
}

function runOf(path: PathInfo | undefined, name: string | undefined): StepRun | undefined {
  return path && name ? path.runs.get(stepKey(path.routine, name)) : undefined;
}

/**
 * How a group without an entry of its own ran (a parallel branch, a try body, an except block):
 * as the steps inside it did.
 */
function groupRun(path: PathInfo | undefined, g: GroupOut): StepRun | undefined {
  const own = runOf(path, g.name);
  if (own || !path) return own;
  const inner = g.inner.map((n) => runOf(path, n)).filter((r) => r !== undefined);
  if (inner.length === 0) return undefined;
  const state = inner.some((r) => r.state === 'active')
    ? 'active'
    : inner.some((r) => r.state === 'failed')
      ? 'failed'
      : inner.some((r) => r.state === 'cancelled')
        ? 'cancelled'
        : 'succeeded';
  return { routine: path.routine, step: g.title, state, runs: 1, failures: 0 };
}

function runClass(path: PathInfo | undefined, name: string | undefined, run = runOf(path, name)): string {
  if (!path) return '';
  const failing = path.failure?.routine === path.routine && path.failure.step === name && name !== undefined;
  return `${run ? ` ran ran-${run.state}` : ' not-ran'}${failing ? ' failing' : ''}`;
}

/** Whether an arrow between two steps (or a terminal) was taken. */
function taken(path: PathInfo, from: string | undefined, to: string | undefined): boolean {
  const routineRan = [...path.runs.values()].some((r) => r.routine === path.routine);
  const fromRan = from === START ? routineRan : runOf(path, from) !== undefined;
  if (!fromRan || to === undefined) return false;
  if (to === END) return from !== START && runOf(path, from)?.state === 'succeeded';
  return runOf(path, to) !== undefined;
}

export function StepGraph({ tree, onSelect, selectedLine, runs, failure }: StepGraphProps) {
  const drawings = useMemo(() => tree.routines.map((r) => ({ routine: r, d: draw(r) })), [tree]);
  return (
    <div class="graph">
      {drawings.map(({ routine, d }) => (
        <section key={routine.name} class="graph-routine" aria-label={`Steps of ${routine.name}`}>
          <h3>
            {routine.name}
            <span class="muted">
              (
              {routine.params
                .map((p) => (p.default !== undefined ? `${p.name}: ${p.default}` : p.name))
                .join(', ')}
              )
            </span>
          </h3>
          <div class="graph-scroll">
            <RoutineSvg
              id={`g-${routine.name}`}
              d={d}
              onSelect={onSelect}
              selectedLine={selectedLine}
              path={runs ? { routine: routine.name, runs, failure } : undefined}
            />
          </div>
        </section>
      ))}
    </div>
  );
}

function RoutineSvg({
  id,
  d,
  onSelect,
  selectedLine,
  path,
}: {
  id: string;
  d: Drawing;
  onSelect: ((line: number) => void) | undefined;
  selectedLine: number | undefined;
  path: PathInfo | undefined;
}) {
  /** ", ran 3 times, last run succeeded" for a step's label. */
  const runText = (name: string | undefined): string => {
    if (!path) return '';
    const run = runOf(path, name);
    return run ? `, ${markText(run)}` : ', did not run';
  };
  const { out } = d;
  const select = (line: number) => onSelect?.(line);
  const keySelect = (line: number) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      select(line);
    }
  };
  const arrow = `${id}-arrow`;
  const jumpArrow = `${id}-jump`;
  const takenArrow = `${id}-taken`;
  return (
    <svg
      class={`graph-svg${path ? ' with-path' : ''}`}
      width={d.width}
      height={d.height}
      viewBox={`0 0 ${d.width} ${d.height}`}
      role="group"
      aria-label="Step graph"
    >
      <defs>
        <marker
          id={arrow}
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto-start-reverse"
        >
          <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
        </marker>
        <marker
          id={takenArrow}
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto-start-reverse"
        >
          <path d="M0,0 L10,5 L0,10 z" class="arrowhead-taken" />
        </marker>
        <marker
          id={jumpArrow}
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto-start-reverse"
        >
          <path d="M0,0 L10,5 L0,10 z" class="arrowhead-jump" />
        </marker>
      </defs>
      {out.groups.map((g, i) => (
        <g
          key={`g${i}`}
          class={`node group group-${g.kind}${selectedLine === g.line ? ' selected' : ''}${runClass(path, g.name, groupRun(path, g))}`}
          tabindex={0}
          role="button"
          aria-label={`${g.title}: ${g.sub}, line ${g.line}${g.name ? runText(g.name) : ''}`}
          onClick={() => select(g.line)}
          onKeyDown={keySelect(g.line)}
        >
          <rect x={g.x} y={g.y} width={g.w} height={g.h} rx={8} />
          <GroupHeader g={g} />
          <RunCount run={runOf(path, g.name)} x={g.x + g.w} y={g.y} />
          <title>{`${g.title} · ${g.sub} (line ${g.line})`}</title>
        </g>
      ))}
      {d.jumpPaths.map((j, i) => (
        <path
          key={`j${i}`}
          d={j.d}
          class={`edge edge-jump${j.missing ? ' missing' : ''}${path && taken(path, j.from, j.to) ? ' taken' : ''}`}
          marker-end={`url(#${path && taken(path, j.from, j.to) ? takenArrow : jumpArrow})`}
        >
          <title>{`next: ${j.to}`}</title>
        </path>
      ))}
      {out.arrows.map((a, i) => (
        <polyline
          key={`a${i}`}
          points={a.points.map((p) => p.join(',')).join(' ')}
          class={`edge edge-${a.kind}${path && taken(path, a.from, a.to) ? ' taken' : ''}`}
          marker-end={`url(#${path && taken(path, a.from, a.to) ? takenArrow : arrow})`}
        />
      ))}
      {out.labels.map((l, i) => (
        <text key={`l${i}`} x={l.x} y={l.y} class="arm-label" text-anchor="middle">
          {fit(l.text, l.w - 8, 6.5)}
          <title>{l.text}</title>
        </text>
      ))}
      {out.boxes.map((b, i) => (
        <g
          key={`b${i}`}
          class={`node box kind-${b.kind}${b.pill ? ' pill' : ''}${selectedLine === b.line && b.kind !== 'terminal' ? ' selected' : ''}${b.name ? runClass(path, b.name) : ''}`}
          tabindex={b.kind === 'terminal' ? undefined : 0}
          role={b.kind === 'terminal' ? undefined : 'button'}
          aria-label={
            b.kind === 'terminal'
              ? undefined
              : `${b.title}: ${b.sub}, line ${b.line}${b.name ? runText(b.name) : ''}`
          }
          onClick={b.kind === 'terminal' ? undefined : () => select(b.line)}
          onKeyDown={b.kind === 'terminal' ? undefined : keySelect(b.line)}
        >
          <rect x={b.x} y={b.y} width={b.w} height={b.h} rx={b.pill ? b.h / 2 : 6} />
          {b.pill ? (
            <text x={b.x + b.w / 2} y={b.y + b.h / 2 + 4} text-anchor="middle" class="pill-text">
              {fit(b.title, b.w - 12)}
            </text>
          ) : (
            <>
              <rect x={b.x} y={b.y} width={5} height={b.h} class="stripe" rx={2} />
              <text x={b.x + 14} y={b.y + 19} class="box-title">
                {fit(b.title, b.w - 22, 7.5)}
              </text>
              <text x={b.x + 14} y={b.y + 36} class="box-sub">
                {fit(b.sub, b.w - 22, 6.3)}
              </text>
            </>
          )}
          <RunCount run={runOf(path, b.name)} x={b.x + b.w} y={b.y} />
          {!b.pill && (
            <title>{`${b.title} · ${b.sub} (line ${b.line})${b.name ? runText(b.name) : ''}`}</title>
          )}
        </g>
      ))}
    </svg>
  );
}

/** A badge at a step's top-right corner saying how often it ran, when more than once. */
function RunCount({ run, x, y }: { run: StepRun | undefined; x: number; y: number }) {
  if (!run || run.runs < 2) return null;
  const text = `×${run.runs}`;
  const w = 12 + text.length * 6.5;
  return (
    <g class={`run-count ran-${run.state}`} aria-hidden="true">
      <rect x={x - w + 6} y={y - 8} width={w} height={16} rx={8} />
      <text x={x - w / 2 + 6} y={y + 4} text-anchor="middle">
        {text}
      </text>
    </g>
  );
}
