export function Spinner({ size = 16, label }: { size?: number; label?: string }) {
  return (
    <span className="spinner-wrap" role="status" data-testid="spinner">
      <span className="spinner" style={{ width: size, height: size }} aria-hidden="true" />
      {label ? <span className="spinner-label">{label}</span> : <span className="sr-only">Loading</span>}
    </span>
  );
}

export function LoadingPanel({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading-panel">
      <Spinner size={20} label={label} />
    </div>
  );
}
