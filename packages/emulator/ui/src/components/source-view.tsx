/**
 * A workflow's source with line numbers and syntax highlighting (highlight.js: its YAML and JSON
 * grammars, plus `${...}` expressions marked wherever they appear). One line can be marked
 * (a step selected in the graph); phase B marks the executed steps and the failing one.
 */
import hljs from 'highlight.js/lib/core';
import json from 'highlight.js/lib/languages/json';
import yaml from 'highlight.js/lib/languages/yaml';
import type { LanguageFn, Mode } from 'highlight.js';
import { useEffect, useMemo, useRef } from 'preact/hooks';

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
  label?: string;
}

export function SourceView({ source, markLine, label = 'Workflow source' }: SourceViewProps) {
  // highlight.js escapes the text it is given: the HTML holds only its own spans.
  const lines = useMemo(() => highlight(source), [source]);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!markLine) return;
    const el = ref.current?.querySelector<HTMLElement>(`[data-line="${markLine}"]`);
    el?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }, [markLine, source]);
  return (
    <div class="source" ref={ref} role="region" aria-label={label} tabIndex={0}>
      <table class="source-lines">
        <tbody>
          {lines.map((html, i) => (
            <tr key={i} data-line={i + 1} class={markLine === i + 1 ? 'marked' : undefined}>
              <td class="ln" aria-hidden="true">
                {i + 1}
              </td>
              <td class="code hljs" dangerouslySetInnerHTML={{ __html: html || ' ' }} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
