/**
 * The page the client's console URL points to in emulator mode:
 * `/console/workflows/workflow/{location}/{workflow}/execution/{id}?project={project}`.
 * Plain server-rendered HTML; every interpolated value is escaped.
 */
import type { ExecutionRecord } from '../store/types.js';
import { executionName, workflowName } from './names.js';
import { formatDuration, formatTimestamp } from './wire.js';
import { PART_STEP_TYPES } from '../runtime/enums.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Pretty-prints JSON text for display; text that is not JSON is shown as is. */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#202124;max-width:72rem}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:1.6rem}
.name{color:#5f6368;font-family:monospace;font-size:.85rem;word-break:break-all}
table{border-collapse:collapse;margin-top:.5rem}td,th{border:1px solid #dadce0;padding:.3rem .6rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f1f3f4}pre{background:#f8f9fa;border:1px solid #dadce0;padding:.6rem;overflow:auto;font-size:.85rem;white-space:pre-wrap;overflow-wrap:anywhere}
.state{font-weight:600;padding:.1rem .5rem;border-radius:.8rem}
.SUCCEEDED{background:#e6f4ea;color:#137333}.FAILED{background:#fce8e6;color:#c5221f}
.ACTIVE,.QUEUED{background:#e8f0fe;color:#1967d2}.CANCELLED{background:#f1f3f4;color:#5f6368}
`;

export function renderExecutionPage(rec: ExecutionRecord, project: string): string {
  const { location, workflowId } = rec.workflow;
  const name = executionName(project, location, workflowId, rec.executionId);
  const rows: [string, string][] = [
    ['Workflow', workflowName(project, location, workflowId)],
    ['Revision', rec.revisionId],
    ['Created', formatTimestamp(rec.createTime)],
    ['Started', formatTimestamp(rec.startTime)],
  ];
  if (rec.endTime !== undefined) {
    rows.push(
      ['Ended', formatTimestamp(rec.endTime)],
      ['Duration', formatDuration(rec.endTime - rec.startTime)],
    );
  }
  const labels = Object.entries(rec.labels);
  if (labels.length > 0) rows.push(['Labels', labels.map(([k, v]) => `${k}=${v}`).join(', ')]);
  if (rec.currentSteps.length > 0) {
    rows.push(['Current steps', rec.currentSteps.map((s) => `${s.routine}.${s.step}`).join(', ')]);
  }

  const parts: string[] = [];
  parts.push(
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>Execution ${escapeHtml(rec.executionId)} · ${escapeHtml(workflowId)}</title>`,
    // Refresh while the execution runs, so the page follows it without script.
    rec.state === 'ACTIVE' || rec.state === 'QUEUED' ? '<meta http-equiv="refresh" content="2">' : '',
    `<style>${STYLE}</style></head><body>`,
    `<h1>Execution <span class="state ${escapeHtml(rec.state)}">${escapeHtml(rec.state)}</span></h1>`,
    `<div class="name">${escapeHtml(name)}</div>`,
    '<table>',
    ...rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    '<h2>Argument</h2>',
    `<pre id="argument">${escapeHtml(prettyJson(rec.argument))}</pre>`,
  );
  if (rec.result !== undefined)
    parts.push('<h2>Result</h2>', `<pre id="result">${escapeHtml(prettyJson(rec.result))}</pre>`);
  if (rec.error) {
    parts.push(
      '<h2>Error</h2>',
      '<h3>Payload</h3>',
      `<pre id="error-payload">${escapeHtml(prettyJson(rec.error.payload))}</pre>`,
      '<h3>Context</h3>',
      `<pre id="error-context">${escapeHtml(rec.error.context)}</pre>`,
    );
  }
  parts.push('<h2>Step history</h2>');
  // The steps themselves; the entries of their parts (iterations, conditions, try attempts,
  // branches) are in the developer UI and the stepEntries API.
  const steps = [...rec.history].filter((e) => !PART_STEP_TYPES.has(e.stepType));
  if (steps.length === 0) {
    parts.push('<p>No steps recorded.</p>');
  } else {
    parts.push(
      '<table id="steps"><tr><th>#</th><th>Routine</th><th>Step</th><th>Type</th><th>State</th><th>Started</th><th>Updated</th><th>Thread</th><th>Exception</th></tr>',
    );
    for (const e of steps) {
      parts.push(
        '<tr>',
        `<td>${e.entryId}</td>`,
        `<td>${escapeHtml(e.routine)}</td>`,
        `<td>${escapeHtml(e.step)}</td>`,
        `<td>${escapeHtml(e.stepType)}</td>`,
        `<td>${escapeHtml(e.state)}</td>`,
        `<td>${escapeHtml(formatTimestamp(e.createMs))}</td>`,
        `<td>${escapeHtml(formatTimestamp(e.updateMs))}</td>`,
        `<td>${escapeHtml(e.threadId)}</td>`,
        `<td>${e.exceptionPayload === undefined ? '' : `<code>${escapeHtml(e.exceptionPayload)}</code>`}</td>`,
        '</tr>',
      );
    }
    parts.push('</table>');
  }
  parts.push('</body></html>');
  return parts.join('');
}

export function renderErrorPage(code: number, status: string, message: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    `<title>${code} ${escapeHtml(status)}</title><style>${STYLE}</style></head><body>` +
    `<h1>${code} ${escapeHtml(status)}</h1><p>${escapeHtml(message)}</p></body></html>`
  );
}
