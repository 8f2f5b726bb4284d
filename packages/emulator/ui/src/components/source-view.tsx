/**
 * A workflow's source with line numbers and syntax highlighting (highlight.js: its YAML and JSON
 * grammars, plus `${...}` expressions marked wherever they appear). One line can be marked
 * (a step selected in the graph); on an execution's page, the lines of the steps it ran are
 * marked with how they ended, and the line where it failed stands out.
 */
import hljs from 'highlight.js/lib/core';
import json from 'highlight.js/lib/languages/json';
import yaml from 'highlight.js/lib/languages/yaml';
import type { LanguageFn, Mode } from 'highlight.js';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { LineMark, RunState } from '../data/step-status.js';

const EXPRESSION: Mode = { scope: 'template-variable', begin: /\$\{/, end: /\}/, contains: [] };
// Braces inside an expression (a map literal) nest.
EXPRESSION.contains = [{ begin: /\{/, end: /\}/, contains: ['self'] }];

/** highlight.js's YAML with workflow expressions marked in plain and quoted scalars. */
const workflowYaml: LanguageFn = (api) => {
  const lang = yaml(api);
  const addTo = (modes: (Mode | string)[] | undefined) => {
    for (const m of modes ?? []) {
      if (typeof m === 'object' && (m.scope === 'string' || m.className === 'string')) {
        m.contains = [EXPRESSION, ...(m.contains ?? [])];
      }
    }
  };
  addTo(lang.contains);
  lang.contains = [EXPRESSION, ...(lang.contains ?? [])];
  return lang;
};

hljs.registerLanguage('workflow-yaml', workflowYaml);
hljs.registerLanguage('json', json);

function highlight(source: string): string[] {
  const trimmed = source.trimStart();
  const language = trimmed.startsWith('{') || trimmed.startsWith('[') ? 'json' : 'workflow-yaml';
  const html = hljs.highlight(source, { language, ignoreIllegals: true }).value;
  return splitLines(html);
}

/**
 * Splits highlighted HTML into lines, closing the spans open at each line end and reopening
 * them on the next line (a multi-line string stays coloured on every line).
 */
function splitLines(html: string): string[] {
  const lines: string[] = [];
  const open: string[] = [];
  let current = '';
  const tag = /<span[^>]*>|<\/span>|\n/g;
  let last = 0;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    current += html.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[0] === '\n') {
      lines.push(current + '</span>'.repeat(open.length));
      current = open.join('');
    } else if (m[0] === '</span>') {
      open.pop();
      current += m[0];
    } else {
      open.push(m[0]);
      current += m[0];
    }
  }
  lines.push(current + html.slice(last));
  return lines;
}

export interface SourceViewProps {
  source: string;
  /** 1-based line to mark and scroll into view. */
  markLine?: number | undefined;
  /** Lines of steps an execution ran (and where it failed): a marker in a column of their own. */
  runMarks?: ReadonlyMap<number, LineMark> | undefined;
  /** Scrolls inside a box of bounded height instead of taking the page's. */
  bounded?: boolean;
  label?: string;
}

const GLYPH: Record<RunState, string> = { succeeded: '✓', failed: '✗', active: '▶', cancelled: '■' };

function rowClass(
  line: number,
  markLine: number | undefined,
  mark: LineMark | undefined,
): string | undefined {
  const classes: string[] = [];
  if (markLine === line) classes.push('marked');
  if (mark) classes.push('ran', `ran-${mark.state}`);
  if (mark?.failing) classes.push('failing');
  return classes.length > 0 ? classes.join(' ') : undefined;
}

export function SourceView({
  source,
  markLine,
  runMarks,
  bounded = false,
  label = 'Workflow source',
}: SourceViewProps) {
  // highlight.js escapes the text it is given: the HTML holds only its own spans.
  const lines = useMemo(() => highlight(source), [source]);
  const ref = useRef<HTMLDivElement>(null);
  let failing: number | undefined;
  for (const [line, m] of runMarks ?? []) if (m.failing) failing = line;
  useEffect(() => {
    if (!markLine) return;
    const el = ref.current?.querySelector<HTMLElement>(`[data-line="${markLine}"]`);
    el?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }, [markLine, source]);
  // The line where the execution failed comes into view inside the source box (the page stays).
  useEffect(() => {
    const box = ref.current;
    const el = failing ? box?.querySelector<HTMLElement>(`[data-line="${failing}"]`) : undefined;
    if (!box || !el || markLine) return;
    box.scrollTop = Math.max(0, el.offsetTop - box.clientHeight / 2);
  }, [failing, source]);
  return (
    <div class={`source${bounded ? ' bounded' : ''}`} ref={ref} role="region" aria-label={label} tabIndex={0}>
      <table class={`source-lines${runMarks ? ' with-marks' : ''}`}>
        <tbody>
          {lines.map((html, i) => {
            const mark = runMarks?.get(i + 1);
            return (
              <tr key={i} data-line={i + 1} class={rowClass(i + 1, markLine, mark)}>
                <td class="ln" aria-hidden="true">
                  {i + 1}
                </td>
                {runMarks && (
                  <td class="mk" title={mark?.text}>
                    {mark && (
                      <>
                        <span aria-hidden="true">
                          {GLYPH[mark.state]}
                          {mark.runs > 1 && <span class="runs">{mark.runs}</span>}
                        </span>
                        <span class="visually-hidden">{mark.text}</span>
                      </>
                    )}
                  </td>
                )}
                <td class="code hljs" dangerouslySetInnerHTML={{ __html: html || ' ' }} />
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
