import { useState } from 'react';
import type { SecretName, SettingsView as Settings } from '../../../shared/domain/model';
import { InlineError } from '../components/ErrorPanel';
import { LoadingPanel } from '../components/Spinner';
import { useApp } from '../stores/app';
import { toastError } from '../stores/toasts';
import { ConnectionTest } from './settings/ConnectionTest';
import { KeymapSettings } from './settings/KeymapSettings';
import { useSection } from './settings/useSection';
import { PreannotationSettings } from './settings/PreannotationSettings';
import './settings.css';

const sourceLabels = { settings: 'from settings', env: 'from the environment', netrc: 'from ~/.netrc' } as const;

function KeyStatus({ configured, source }: { configured: boolean; source: Settings['anthropic']['source'] }) {
  return configured ? (
    <span className="chip status-verified" data-testid="key-status">
      <span className="chip-dot" aria-hidden="true" />
      Configured {source ? sourceLabels[source] : ''}
    </span>
  ) : (
    <span className="chip status-new" data-testid="key-status">
      <span className="chip-dot" aria-hidden="true" />
      Not configured
    </span>
  );
}

function SecretField({ name, label, configured, source, placeholder }: { name: SecretName; label: string; configured: boolean; source: Settings['anthropic']['source']; placeholder: string }) {
  const setSecret = useApp((s) => s.setSecret);
  const [value, setValue] = useState('');
  const { busy, error, run } = useSection();
  return (
    <div className="field" data-testid={`secret-${name}`}>
      <div className="row between">
        <span className="field-label">{label}</span>
        <KeyStatus configured={configured} source={source} />
      </div>
      <div className="row gap-sm">
        <input
          type="password"
          className="input grow mono"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={configured ? 'Enter a new key to replace the saved one' : placeholder}
          autoComplete="off"
          spellCheck={false}
          aria-label={label}
          data-testid={`secret-${name}-input`}
        />
        <button
          type="button"
          className="btn"
          disabled={busy || !value.trim()}
          onClick={() =>
            void run('Key saved', async () => {
              await setSecret(name, value.trim());
              setValue('');
            })
          }
          data-testid={`secret-${name}-save`}
        >
          Save key
        </button>
        {source === 'settings' ? (
          <button type="button" className="btn btn-danger-ghost" disabled={busy} onClick={() => void run('Key removed', () => setSecret(name, null))} data-testid={`secret-${name}-clear`}>
            Remove
          </button>
        ) : null}
      </div>
      <span className="field-hint">
        Write-only: Folio never shows a saved key again.
        {source === 'env' ? ' The environment variable wins over a key saved here.' : ''}
      </span>
      <InlineError message={error} testId={`secret-${name}-error`} />
    </div>
  );
}

function AnnotatorSection({ settings }: { settings: Settings }) {
  const updateSettings = useApp((s) => s.updateSettings);
  const [name, setName] = useState(settings.annotator.name);
  const annotator = useSection();
  return (
    <section className="card">
      <h2>You</h2>
      <form
        className="field"
        onSubmit={(e) => {
          e.preventDefault();
          void annotator.run('Name saved', () => updateSettings({ annotatorName: name }));
        }}
      >
        <span className="field-label">Annotator name</span>
        <div className="row gap-sm">
          <input className="input grow" value={name} onChange={(e) => setName(e.target.value)} maxLength={80} aria-label="Annotator name" data-testid="settings-annotator-name" />
          <button type="submit" className="btn" disabled={annotator.busy || name === settings.annotator.name} data-testid="settings-annotator-save">
            Save
          </button>
        </div>
        <span className="field-hint">Stored with every annotation you make.</span>
        <InlineError message={annotator.error} testId="settings-annotator-error" />
      </form>
    </section>
  );
}

function AppearanceSection({ settings, ui }: { settings: Settings; ui: SaveUi }) {
  return (
    <section className="card">
      <h2>Appearance</h2>
      <div className="field">
        <span className="field-label">Theme</span>
        <div className="segmented segmented-text" role="radiogroup" aria-label="Theme">
          {(['system', 'light', 'dark'] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="radio"
              aria-checked={settings.ui.theme === t}
              className={settings.ui.theme === t ? 'active' : ''}
              onClick={() => ui({ theme: t })}
              data-testid={`theme-${t}`}
            >
              {t === 'system' ? 'System' : t === 'light' ? 'Light' : 'Dark'}
            </button>
          ))}
        </div>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={settings.ui.showBoxLabels} onChange={(e) => ui({ showBoxLabels: e.target.checked })} data-testid="settings-show-box-labels" />
        Show label text on boxes and predictions
      </label>
    </section>
  );
}

function DrawingSection({ settings, ui }: { settings: Settings; ui: SaveUi }) {
  return (
    <section className="card">
      <h2>Drawing boxes</h2>
      <p className="muted small">When you draw a box, Folio reads the page inside it on this computer — nothing leaves it — and you correct what it got wrong.</p>
      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={settings.ui.readDrawnBoxes} onChange={(e) => ui({ readDrawnBoxes: e.target.checked })} data-testid="settings-read-drawn-boxes" />
          Read the text of boxes I draw
        </label>
        <span className="field-hint">Fills an empty transcription with the printed text inside the box. Ctrl+Z removes the box with it.</span>
      </div>
      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={settings.ui.snapDrawnBoxes} onChange={(e) => ui({ snapDrawnBoxes: e.target.checked })} data-testid="settings-snap-drawn-boxes" />
          Snap drawn boxes to the text
        </label>
        <span className="field-hint">Pulls the box in to the ink inside it (or a few pixels past its edge, for a letter it cut).</span>
      </div>
    </section>
  );
}

function AnthropicSection({ settings }: { settings: Settings }) {
  const updateSettings = useApp((s) => s.updateSettings);
  const [anthropicBaseUrl, setAnthropicBaseUrl] = useState(settings.anthropic.baseUrl ?? '');
  const anthropic = useSection();
  return (
    <section className="card">
      <h2>Anthropic</h2>
      <p className="muted small">Claude pre-annotates documents. The key stays in Folio&apos;s main process and never reaches this window.</p>
      <SecretField name="anthropicApiKey" label="API key" configured={settings.anthropic.configured} source={settings.anthropic.source} placeholder="sk-ant-…" />
      <KeyWithheld boundTo={settings.anthropic.keyWithheldFor} baseUrl={settings.anthropic.baseUrl ?? 'https://api.anthropic.com'} testId="anthropic-key-withheld" />
      <form
        className="field"
        onSubmit={(e) => {
          e.preventDefault();
          void anthropic.run('Anthropic settings saved', () => updateSettings({ anthropic: { baseUrl: anthropicBaseUrl.trim() || null } }));
        }}
      >
        <span className="field-label">Base URL</span>
        <div className="row gap-sm">
          <input
            className="input grow mono"
            value={anthropicBaseUrl}
            onChange={(e) => setAnthropicBaseUrl(e.target.value)}
            placeholder="https://api.anthropic.com (default)"
            spellCheck={false}
            aria-label="Anthropic base URL"
            data-testid="settings-anthropic-base-url"
          />
          <button type="submit" className="btn" disabled={anthropic.busy} data-testid="settings-anthropic-save">
            Save
          </button>
        </div>
        <span className="field-hint">Leave empty for the default. Use a proxy or gateway address here if your organisation has one.</span>
        <InlineError message={anthropic.error} testId="settings-anthropic-error" />
      </form>
      <PreannotationSettings saved={settings.preannotation} />
      {/* A result belongs to the settings it was made with: a save starts afresh. */}
      <ConnectionTest key={JSON.stringify([settings.anthropic, settings.preannotation.model])} service="anthropic" unsaved={anthropicBaseUrl.trim() !== (settings.anthropic.baseUrl ?? '')} />
    </section>
  );
}

function WandbSection({ settings }: { settings: Settings }) {
  const updateSettings = useApp((s) => s.updateSettings);
  const [wandbBaseUrl, setWandbBaseUrl] = useState(settings.wandb.baseUrl);
  const [wandbEntity, setWandbEntity] = useState(settings.wandb.entity ?? '');
  const [wandbProject, setWandbProject] = useState(settings.wandb.project);
  const wandb = useSection();
  return (
    <section className="card">
      <h2>Weights &amp; Biases</h2>
      <p className="muted small">Verified annotations sync to W&amp;B as dataset artifacts.</p>
      <SecretField name="wandbApiKey" label="API key" configured={settings.wandb.configured} source={settings.wandb.source} placeholder="40-character key from wandb.ai/authorize" />
      <KeyWithheld boundTo={settings.wandb.keyWithheldFor} baseUrl={settings.wandb.baseUrl} testId="wandb-key-withheld" />
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void wandb.run('W&B settings saved', () =>
            updateSettings({
              wandb: { baseUrl: wandbBaseUrl.trim(), entity: wandbEntity.trim() || null, project: wandbProject.trim() },
            }),
          );
        }}
      >
        <label className="field">
          <span className="field-label">Base URL</span>
          <input className="input mono" value={wandbBaseUrl} onChange={(e) => setWandbBaseUrl(e.target.value)} spellCheck={false} data-testid="settings-wandb-base-url" />
        </label>
        <div className="row gap">
          <label className="field grow">
            <span className="field-label">Entity</span>
            <input className="input" value={wandbEntity} onChange={(e) => setWandbEntity(e.target.value)} placeholder="your team or user (default entity if empty)" data-testid="settings-wandb-entity" />
          </label>
          <label className="field grow">
            <span className="field-label">Project</span>
            <input className="input" value={wandbProject} onChange={(e) => setWandbProject(e.target.value)} data-testid="settings-wandb-project" />
          </label>
        </div>
        <InlineError message={wandb.error} testId="settings-wandb-error" />
        <div className="row end">
          <button type="submit" className="btn" disabled={wandb.busy} data-testid="settings-wandb-save">
            Save
          </button>
        </div>
      </form>
      <ConnectionTest
        key={JSON.stringify(settings.wandb)}
        service="wandb"
        unsaved={wandbBaseUrl.trim() !== settings.wandb.baseUrl || (wandbEntity.trim() || null) !== settings.wandb.entity || wandbProject.trim() !== settings.wandb.project}
      />
    </section>
  );
}

/** Where keys and data live, and which Folio this is. */
function WhereThingsAre({ settings }: { settings: Settings }) {
  const info = useApp((s) => s.info);
  return (
    <section className="card">
      <h2>Where things are</h2>
      <dl className="kv">
        <dt>Key storage</dt>
        <dd data-testid="secrets-storage">
          {settings.secretsEncrypted ? (
            <>Encrypted by the operating system ({settings.secretsStorage})</>
          ) : (
            <span className="warn">Not encrypted: {settings.secretsStorage}</span>
          )}
        </dd>
        {info ? (
          <>
            <dt>Data folder</dt>
            <dd className="mono" data-testid="data-dir">
              {info.dataDir}
            </dd>
            <dt>Folio</dt>
            <dd>
              {info.version} · {info.platform === 'electron' ? 'desktop app' : 'browser host'}
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

/** Saves one display preference; a failure is a toast, the switch itself shows the saved state. */
type SaveUi = (patch: Parameters<ReturnType<typeof useApp.getState>['setUi']>[0]) => void;

function SettingsForms({ settings }: { settings: Settings }) {
  const setUi = useApp((s) => s.setUi);
  const ui: SaveUi = (patch) => void setUi(patch).catch((err: unknown) => toastError('The preference was not saved', err));

  return (
    <div className="settings-form">
      <AnnotatorSection settings={settings} />
      <AppearanceSection settings={settings} ui={ui} />
      <DrawingSection settings={settings} ui={ui} />
      <KeymapSettings />
      <AnthropicSection settings={settings} />
      <WandbSection settings={settings} />
      <WhereThingsAre settings={settings} />
    </div>
  );
}

/** A saved key is sent only to the address it was entered for: say so when the base URL points elsewhere. */
function KeyWithheld({ boundTo, baseUrl, testId }: { boundTo: string | null; baseUrl: string; testId: string }) {
  if (!boundTo) return null;
  return (
    <p className="field-hint warn" role="status" data-testid={testId}>
      The saved key was entered for {boundTo}, so Folio does not send it to {baseUrl}. Enter the key again to use it there, or set the base URL back.
    </p>
  );
}

export function SettingsView() {
  const settings = useApp((s) => s.settings);
  return (
    <div className="page" data-testid="settings-page">
      <header className="page-header">
        <h1>Settings</h1>
      </header>
      <div className="page-body narrow">{settings ? <SettingsForms settings={settings} /> : <LoadingPanel />}</div>
    </div>
  );
}
