import { useState } from 'react';
import type { SettingsView } from '../../../../shared/domain/model';
import { InlineError } from '../../components/ErrorPanel';
import { useModels } from '../../preannotate/useModels';
import { useApp } from '../../stores/app';
import { OptionList } from './OptionList';
import { useSection } from './useSection';

/**
 * Defaults for pre-annotation runs: model, effort and output-token limit. Empty means the model
 * table's default, so an edited table (a new default model) takes effect without touching this.
 */
export function PreannotationSettings({ saved }: { saved: SettingsView['preannotation'] }) {
  const { models, error: modelsError } = useModels();
  const updateSettings = useApp((s) => s.updateSettings);
  const [model, setModel] = useState(saved.model ?? '');
  const [effort, setEffort] = useState(saved.effort ?? '');
  const [maxTokens, setMaxTokens] = useState(saved.maxTokens === null ? '' : String(saved.maxTokens));
  const section = useSection();
  const chosen = models?.find((m) => m.id === (model || models.find((d) => d.isDefault)?.id));
  const efforts = chosen?.efforts ?? [];

  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        const tokens = maxTokens.trim() === '' ? null : Number(maxTokens);
        void section.run('Pre-annotation defaults saved', () =>
          updateSettings({ preannotation: { model: model || null, effort: (effort || null) as 'low' | null, maxTokens: tokens } }),
        );
      }}
      data-testid="settings-preannotation"
    >
      <span className="field-label">Pre-annotation defaults</span>
      <div className="form-grid">
        <label className="field">
          <span className="small muted">Model</span>
          <select className="input" value={model} onChange={(e) => setModel(e.target.value)} data-testid="settings-preannotation-model">
            <option value="">The model table’s default{models ? ` (${models.find((m) => m.isDefault)?.label ?? '—'})` : ''}</option>
            {(models ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="small muted">Effort</span>
          <select className="input" value={effort} onChange={(e) => setEffort(e.target.value)} disabled={efforts.length === 0} data-testid="settings-preannotation-effort">
            <OptionList empty="Default" values={efforts} />
          </select>
        </label>
        <label className="field">
          <span className="small muted">Output token limit per page</span>
          <input
            className="input"
            type="number"
            min={256}
            max={128000}
            step={1}
            value={maxTokens}
            placeholder="Default"
            onChange={(e) => setMaxTokens(e.target.value)}
            data-testid="settings-preannotation-max-tokens"
          />
        </label>
      </div>
      <div className="row gap-sm">
        <button type="submit" className="btn" disabled={section.busy} data-testid="settings-preannotation-save">
          Save defaults
        </button>
        <span className="field-hint">Prices and the default model come from models.json (Folio’s copy, or yours in the data folder).</span>
      </div>
      <InlineError message={modelsError ?? section.error} testId="settings-preannotation-error" />
    </form>
  );
}
