import type { WidgetProps } from '@rjsf/utils';

/** A secret is chosen by name; its value lives in the platform's secret store, never in the graph. */
export function SecretWidget({ id, value, required, disabled, readonly, onChange, onBlur, onFocus, options }: WidgetProps) {
  const names = (options.secretNames as string[] | undefined) ?? [];
  const known = Boolean(options.known);
  const missing = known && typeof value === 'string' && value !== '' && !names.includes(value);
  return (
    <div className="secret-widget">
      <span className="secret-tag" aria-hidden>secret</span>
      <input
        id={id}
        type="text"
        list={`${id}-names`}
        value={typeof value === 'string' ? value : ''}
        required={required}
        disabled={disabled || readonly}
        placeholder="secret name, e.g. OPENAI_API_KEY"
        autoComplete="off"
        spellCheck={false}
        data-widget="secret"
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        onBlur={(e) => onBlur(id, e.target.value)}
        onFocus={(e) => onFocus(id, e.target.value)}
      />
      <datalist id={`${id}-names`}>
        {names.map((n) => <option key={n} value={n} />)}
      </datalist>
      {missing ? (
        <small className="warn-text">No stored secret is called “{value}” yet: add it under the gateway's secrets before running.</small>
      ) : (
        <small className="muted">Name of a stored secret; the value is never written into the graph.</small>
      )}
    </div>
  );
}
