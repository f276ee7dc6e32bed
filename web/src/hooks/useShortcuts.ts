// Keyboard shortcuts of the editor. Delete/Backspace and shift-drag selection are React Flow's own.
import { useEffect } from 'react';
import { saveGraph } from '../actions/graphs';
import { useEditor } from '../store/editor';

function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

export function useShortcuts(onFit: () => void, onLayout: () => void | Promise<void>): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      if (mod && key === 's') {
        event.preventDefault();
        void saveGraph();
        return;
      }
      if (typingIn(event.target)) return;
      const s = useEditor.getState();
      if (mod && key === 'z' && !event.shiftKey) {
        event.preventDefault();
        s.undo();
      } else if (mod && (key === 'y' || (key === 'z' && event.shiftKey))) {
        event.preventDefault();
        s.redo();
      } else if (mod && key === 'c') {
        const n = s.copySelection();
        if (n) s.setNotice({ tone: 'info', text: `Copied ${n} node(s)` });
      } else if (mod && key === 'v') {
        event.preventDefault();
        s.paste();
      } else if (mod && key === 'a') {
        event.preventDefault();
        s.selectAll();
      } else if (!mod && key === 'f') {
        onFit();
      } else if (!mod && key === 'l' && event.shiftKey) {
        void onLayout();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onFit, onLayout]);
}
