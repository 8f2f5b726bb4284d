import { ErrorBoundary, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useInfo, useHref, useProject } from './data/project.js';
import { ExecutionPage } from './pages/execution.js';
import { ExecutionsPage } from './pages/executions.js';
import { StubsPage } from './pages/stubs.js';
import { WorkflowPage } from './pages/workflow.js';
import { WorkflowsPage } from './pages/workflows.js';
import { applyTheme, theme, THEMES, type Theme } from './theme.js';
import { LiveIndicator } from './components/common.js';

function NotFound() {
  const href = useHref();
  return (
    <>
      <h1>Page not found</h1>
      <p>
        This address is not a page of the emulator's UI. <a href={href('/')}>Go to the workflows</a>.
      </p>
    </>
  );
}

function Nav() {
  const { path } = useLocation();
  const href = useHref();
  const info = useInfo();
  const project = useProject();
  const items = [
    {
      to: '/',
      label: 'Workflows',
      active:
        path === '/' ||
        path === '/console' ||
        path === '/console/workflows' ||
        /\/workflow\/[^/]+\/[^/]+$/.test(path),
    },
    { to: '/console/workflows/executions', label: 'Executions', active: path.includes('/execution') },
    { to: '/console/workflows/stubs', label: 'Stubs & requests', active: path.endsWith('/stubs') },
  ];
  return (
    <header class="topbar">
      <a class="brand" href={href('/')}>
        <svg viewBox="0 0 16 16" width="20" height="20" aria-hidden="true">
          <rect x="1" y="1" width="6" height="5" rx="1" />
          <rect x="9" y="10" width="6" height="5" rx="1" />
          <path d="M4 6v6.5h5" fill="none" stroke-width="1.5" />
        </svg>
        <span>workflows-emulator</span>
      </a>
      <nav aria-label="Pages">
        {items.map((i) => (
          <a key={i.to} href={href(i.to)} aria-current={i.active ? 'page' : undefined}>
            {i.label}
          </a>
        ))}
      </nav>
      <div class="topbar-end">
        <LiveIndicator />
        {project && (
          <span class="project" title={info ? `emulator ${info.version} at ${info.url}` : undefined}>
            {project}
          </span>
        )}
        <label class="theme">
          <span class="visually-hidden">Colour theme</span>
          <select value={theme.value} onChange={(e) => applyTheme(e.currentTarget.value as Theme)}>
            {THEMES.map((t) => (
              <option key={t} value={t}>
                {t === 'auto' ? 'System theme' : t === 'light' ? 'Light' : 'Dark'}
              </option>
            ))}
          </select>
        </label>
      </div>
    </header>
  );
}

export function App() {
  return (
    <LocationProvider>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Nav />
      <main id="main" tabIndex={-1}>
        <ErrorBoundary>
          <Router>
            <Route path="/" component={WorkflowsPage} />
            <Route path="/console" component={WorkflowsPage} />
            <Route path="/console/workflows" component={WorkflowsPage} />
            <Route path="/console/workflows/executions" component={ExecutionsPage} />
            <Route path="/console/workflows/stubs" component={StubsPage} />
            <Route path="/console/workflows/workflow/:location/:workflow" component={WorkflowPage} />
            <Route
              path="/console/workflows/workflow/:location/:workflow/execution/:execution"
              component={ExecutionPage}
            />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </main>
    </LocationProvider>
  );
}
