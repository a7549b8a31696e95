import type { ReactNode } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { ThemeProvider, ThemeToggle } from './components/ThemeToggle.js';
import { ComparePage } from './pages/ComparePage.js';
import { ConnectionsPage } from './pages/ConnectionsPage.js';
import { ExperimentsPage } from './pages/ExperimentsPage.js';
import { ModelPage } from './pages/ModelPage.js';
import { ModelsPage } from './pages/ModelsPage.js';
import { NotFoundPage } from './pages/NotFoundPage.js';
import { PipelinePage } from './pages/PipelinePage.js';
import { PipelinesPage } from './pages/PipelinesPage.js';
import { RunPage } from './pages/RunPage.js';
import { RunsPage } from './pages/RunsPage.js';
import { SchedulesPage } from './pages/SchedulesPage.js';
import { TrainingPage } from './pages/TrainingPage.js';
import { TrainingsPage } from './pages/TrainingsPage.js';
import { Link, matchPath, useLocation } from './router.js';

type Params = Record<string, string>;

/** Every page of the UI by its path; the server answers all of them with this app. */
const ROUTES: [string, (p: Params) => ReactNode][] = [
  ['/', () => <ExperimentsPage />],
  ['/experiments', () => <ExperimentsPage />],
  ['/experiments/:id', (p) => <RunsPage experimentId={p.id!} />],
  ['/runs/:id', (p) => <RunPage runId={p.id!} />],
  ['/compare', () => <ComparePage />],
  ['/trainings', () => <TrainingsPage />],
  ['/trainings/:id', (p) => <TrainingPage trainingId={p.id!} />],
  ['/pipelines', () => <PipelinesPage />],
  ['/pipelines/:id', (p) => <PipelinePage pipelineRunId={p.id!} />],
  ['/models', () => <ModelsPage />],
  ['/models/:name', (p) => <ModelPage name={p.name!} />],
  ['/connections', () => <ConnectionsPage />],
  ['/schedules', () => <SchedulesPage />],
];

const NAV: [string, string][] = [
  ['/experiments', 'Experiments'],
  ['/trainings', 'Trainings'],
  ['/pipelines', 'Pipelines'],
  ['/models', 'Models'],
  ['/connections', 'Connections'],
  ['/schedules', 'Schedules'],
];

// Pages that belong under a nav section although their path starts elsewhere.
const SECTION_OF: [RegExp, string][] = [
  [/^\/($|experiments|runs|compare)/, '/experiments'],
  [/^\/trainings/, '/trainings'],
  [/^\/pipelines/, '/pipelines'],
  [/^\/models/, '/models'],
  [/^\/connections/, '/connections'],
  [/^\/schedules/, '/schedules'],
];

function route(path: string): ReactNode {
  for (const [pattern, render] of ROUTES) {
    const params = matchPath(pattern, path);
    if (params) return render(params);
  }
  return <NotFoundPage path={path} />;
}

export function App() {
  const { path } = useLocation();
  const section = SECTION_OF.find(([re]) => re.test(path))?.[1];
  return (
    <ThemeProvider>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          <img src="/favicon.svg" alt="" width={20} height={20} /> Trainyard
        </Link>
        <nav className="app-nav" aria-label="Main">
          {NAV.map(([to, label]) => (
            <Link key={to} to={to} aria-current={section === to ? 'page' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <ThemeToggle />
      </header>
      <main id="content" tabIndex={-1}>
        <ErrorBoundary resetKey={path}>{route(path)}</ErrorBoundary>
      </main>
    </ThemeProvider>
  );
}
