import { useMemo, useState } from 'react';
import { CATEGORY_ORDER, CATEGORY_TITLES } from '../graph/kinds';
import { useDnD } from '../hooks/useDnD';
import { useEditor } from '../store/editor';

export function Palette() {
  const kinds = useEditor((s) => s.kinds);
  const [query, setQuery] = useState('');
  const { onDragStart, addAtCenter } = useDnD();

  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const hits = Object.values(kinds).filter(
      (k) => !q || [k.name, k.title, k.description, k.category].some((t) => t.toLowerCase().includes(q)),
    );
    const byCat: Record<string, typeof hits> = {};
    for (const k of hits) (byCat[k.category] ??= []).push(k);
    const order = [...CATEGORY_ORDER, ...Object.keys(byCat).filter((c) => !CATEGORY_ORDER.includes(c)).sort()];
    return order.filter((c) => byCat[c]?.length).map((c) => ({ category: c, kinds: byCat[c] }));
  }, [kinds, query]);

  return (
    <div className="palette" data-testid="palette">
      <input
        className="palette__search"
        type="search"
        placeholder="Search node kinds…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        aria-label="Search node kinds"
      />
      {groups.length === 0 && <p className="muted">No kind matches “{query}”.</p>}
      {groups.map((g) => (
        <section key={g.category} className="palette__group">
          <h3>{CATEGORY_TITLES[g.category] ?? g.category}</h3>
          {g.kinds.map((k) => (
            <div
              key={k.name}
              className={`palette__item cat-${k.category}`}
              draggable
              onDragStart={(e) => onDragStart(e, k.name)}
              onDoubleClick={() => addAtCenter(k.name)}
              onKeyDown={(e) => e.key === 'Enter' && addAtCenter(k.name)}
              tabIndex={0}
              role="button"
              title={`${k.description}\n(drag onto the canvas, or double-click)`}
              data-testid={`palette-${k.name}`}
            >
              <strong>{k.title}</strong>
              <span>{k.description}</span>
            </div>
          ))}
        </section>
      ))}
    </div>
  );
}
