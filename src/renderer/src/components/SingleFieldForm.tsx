import { InlineError } from './ErrorPanel';

/** A form that asks for one line of text: a labelled input, its error, and the submit (and maybe a way back). */
export function SingleFieldForm({
  label,
  hint,
  input,
  error,
  submit,
  cancel,
  testId,
}: {
  label: string;
  hint?: string;
  input: { value: string; onChange(value: string): void; placeholder: string; maxLength: number; testId: string };
  error: { message: string | null; testId: string };
  submit: { label: string; testId: string; busy: boolean; onSubmit(): void };
  cancel?: { label: string; onClick(): void };
  testId?: string;
}) {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit.onSubmit();
      }}
      className="stack"
      data-testid={testId}
    >
      <label className="field">
        <span className="field-label">{label}</span>
        <input
          className="input"
          value={input.value}
          onChange={(e) => input.onChange(e.target.value)}
          placeholder={input.placeholder}
          maxLength={input.maxLength}
          autoFocus
          data-testid={input.testId}
        />
        {hint ? <span className="field-hint">{hint}</span> : null}
      </label>
      <InlineError message={error.message} testId={error.testId} />
      <div className={cancel ? 'row end gap' : 'row end'}>
        {cancel ? (
          <button type="button" className="btn btn-ghost" onClick={cancel.onClick}>
            {cancel.label}
          </button>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={submit.busy} data-testid={submit.testId}>
          {submit.label}
        </button>
      </div>
    </form>
  );
}
