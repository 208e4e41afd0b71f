/** A select's options: the empty choice first (its label says what empty means), then each value as it reads. */
export function OptionList({ empty, values }: { empty: string; values: readonly string[] }) {
  return (
    <>
      <option value="">{empty}</option>
      {values.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
    </>
  );
}
