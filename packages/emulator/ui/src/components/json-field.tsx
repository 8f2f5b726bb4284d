/** A textarea for JSON with live validation: the message says what is wrong and where. */
import { useId } from 'preact/hooks';
import { checkJson } from '../format.js';

export interface JsonFieldProps {
  label: string;
  value: string;
  onInput: (text: string) => void;
  /** Empty text is allowed (and means "no value"). */
  allowEmpty?: boolean;
  rows?: number;
  name?: string;
  placeholder?: string;
}

export function jsonProblem(text: string, allowEmpty: boolean): string | undefined {
  if (text.trim() === '') return allowEmpty ? undefined : 'Enter a JSON value.';
  const r = checkJson(text);
  return r.ok ? undefined : `Not valid JSON: ${r.message}`;
}

export function JsonField({
  label,
  value,
  onInput,
  allowEmpty = false,
  rows = 6,
  name,
  placeholder,
}: JsonFieldProps) {
  const id = useId();
  const problem = jsonProblem(value, allowEmpty);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea
        id={id}
        name={name}
        rows={rows}
        spellcheck={false}
        autocomplete="off"
        placeholder={placeholder}
        value={value}
        aria-invalid={problem !== undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {problem && (
        <p class="field-problem" id={`${id}-problem`}>
          {problem}
        </p>
      )}
    </div>
  );
}
