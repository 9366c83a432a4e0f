/**
 * What any text sent to the service may not hold, wherever it is sent: NUL (PostgreSQL cannot
 * store it in text or jsonb), other C0 and C1 control characters, and unpaired UTF-16 surrogates
 * (they are not Unicode text, and jsonb refuses them). In a `u` regular expression `\p{Cs}`
 * matches only an unpaired surrogate: a pair reads as one astral code point.
 */
const UNSAFE_IN_LINE = /[\p{Cc}\p{Cs}]/u;
/** Free text in a JSON body (a PEM bundle in settings, say) may also break lines and tabulate. */
// `[^\P{Cc}\t\n\r]`: a control character other than tab, line feed and carriage return.
const UNSAFE_IN_MULTILINE = /[^\P{Cc}\t\n\r]|\p{Cs}/u;

export type InputTextKind = 'line' | 'multiline';

/** Whether `value` is text the service accepts as input of that kind. */
export function isSafeInputText(value: string, kind: InputTextKind): boolean {
  return !(kind === 'line' ? UNSAFE_IN_LINE : UNSAFE_IN_MULTILINE).test(value);
}

/** The field message for text that `isSafeInputText` refuses; it never repeats the text. */
export function unsafeInputTextMessage(kind: InputTextKind): string {
  return kind === 'line'
    ? 'must not contain control characters or unpaired UTF-16 surrogates'
    : 'must not contain NUL, control characters other than tab and line breaks, or unpaired UTF-16 surrogates';
}
