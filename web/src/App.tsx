import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { ConflictBar, NoticeBar } from './components/Banners';
import { BranchPicker } from './components/BranchPicker';
import { Canvas } from './components/Canvas';
import { GraphBar } from './components/GraphBar';
import { GraphList } from './components/GraphList';
import { Palette } from './components/Palette';
import { useBootstrap } from './hooks/useBootstrap';
import { useLocalDraft } from './hooks/useLocalDraft';
import { useShortcuts } from './hooks/useShortcuts';
import { useEditor } from './store/editor';

const OPEN_MIN_ZOOM = 0.4;
// The panels with forms (rjsf + ajv) load after the canvas, so a graph shows sooner.
const Inspector = lazy(() => import('./components/Inspector').then((m) => ({ default: m.Inspector })));
const RunPanel = lazy(() => import('./components/RunPanel').then((m) => ({ default: m.RunPanel })));
const HistoryPanel = lazy(() => import('./components/HistoryPanel').then((m) => ({ default: m.HistoryPanel })));
const DeployPanel = lazy(() => import('./components/DeployPanel').then((m) => ({ default: m.DeployPanel })));
const UseItPanel = lazy(() => import('./components/UseItPanel').then((m) => ({ default: m.UseItPanel })));
const RunsPanel = lazy(() => import('./components/RunsPanel').then((m) => ({ default: m.RunsPanel })));

type LeftTab = 'nodes' | 'graphs';
type RightTab = 'inspect' | 'run' | 'runs' | 'deploy' | 'use' | 'history';

function Tabs<T extends string>({ value, options, onChange }: { value: T; options: [T, string][]; onChange: (v: T) => void }) {
  return (
    <div className="tabs" role="tablist">
      {options.map(([v, label]) => (
        <button key={v} role="tab" aria-selected={v === value} className={v === value ? 'active' : ''}
          onClick={() => onChange(v)} data-testid={`tab-${v}`}>
          {label}
        </button>
      ))}
    </div>
  );
}

function Editor() {
  const [left, setLeft] = useState<LeftTab>('nodes');
  const [right, setRight] = useState<RightTab>('inspect');
  const { fitView } = useReactFlow();
  const graphKey = useEditor((s) => `${s.graphId}:${s.meta.id}`);

  const onFit = useCallback(() => void fitView({ padding: 0.15, duration: 200 }), [fitView]);
  const onLayout = useCallback(async () => {
    const { layoutPositions } = await import('./graph/layout');
    const { nodes, edges, applyPositions } = useEditor.getState();
    applyPositions(layoutPositions(nodes, edges));
    window.requestAnimationFrame(() => void fitView({ padding: 0.15, duration: 200 }));
  }, [fitView]);

  useBootstrap();
  useLocalDraft();
  useShortcuts(onFit, onLayout);
  // a newly opened graph is shown whole
  useEffect(() => {
    const id = window.setTimeout(() => {
      // A big graph opens at a readable zoom around its centre; only what is on screen is drawn.
      if (useEditor.getState().nodes.length) void fitView({ padding: 0.15, maxZoom: 1.2, minZoom: OPEN_MIN_ZOOM });
    }, 50);
    return () => window.clearTimeout(id);
  }, [graphKey, fitView]);

  return (
    <div className="app">
      <GraphBar onFit={onFit} onLayout={onLayout} />
      <aside className="left">
        <Tabs value={left} onChange={setLeft} options={[['nodes', 'Nodes'], ['graphs', 'Graphs']]} />
        {left === 'nodes' ? <Palette /> : <GraphList />}
      </aside>
      <main className="center">
        <ConflictBar />
        <NoticeBar />
        <Canvas />
        <BranchPicker />
      </main>
      <aside className="right">
        <Tabs value={right} onChange={setRight} options={[['inspect', 'Inspect'], ['run', 'Run'], ['runs', 'Runs'], ['deploy', 'Deploy'], ['use', 'Use it'], ['history', 'History']]} />
        <div className="right__body">
          <Suspense fallback={<p className="muted pad">Loading…</p>}>
            {right === 'inspect' && <Inspector />}
            {right === 'run' && <RunPanel />}
            {right === 'runs' && <RunsPanel />}
            {right === 'deploy' && <DeployPanel />}
            {right === 'use' && <UseItPanel />}
            {right === 'history' && <HistoryPanel />}
          </Suspense>
        </div>
      </aside>
    </div>
  );
}

export function App() {
  return (
    <ReactFlowProvider>
      <Editor />
    </ReactFlowProvider>
  );
}
