import { REDACTED, redactSecrets } from './redact-secrets';

describe('redactSecrets', () => {
  it('replaces every occurrence in strings, arrays and nested plain objects', () => {
    const redacted = redactSecrets(
      {
        message: 'sent hunter2 and hunter2 again',
        header: 'Bearer hunter2',
        nested: { list: ['x-hunter2-y', 3, null, true], deeper: { value: 'hunter2' } },
        count: 7,
      },
      ['hunter2'],
    );
    expect(redacted).toEqual({
      message: `sent ${REDACTED} and ${REDACTED} again`,
      header: `Bearer ${REDACTED}`,
      nested: { list: [`x-${REDACTED}-y`, 3, null, true], deeper: { value: REDACTED } },
      count: 7,
    });
  });

  it('replaces a longer secret whole when it contains a shorter one', () => {
    expect(redactSecrets('key=abc123456', ['abc', 'abc123456'])).toBe(`key=${REDACTED}`);
  });

  it("keeps only an error's name and redacted message", () => {
    const error = new TypeError('refused token s3cr3t');
    expect(redactSecrets({ error }, ['s3cr3t'])).toEqual({
      error: { name: 'TypeError', message: `refused token ${REDACTED}` },
    });
  });

  it('logs other objects as their redacted string form', () => {
    const url = new URL('https://user:s3cr3t@example.test/');
    expect(redactSecrets({ url }, ['s3cr3t'])).toEqual({
      url: `https://user:${REDACTED}@example.test/`,
    });
  });

  it('cuts off structures nested deeper than it inspects', () => {
    let deep: Record<string, unknown> = { value: 's3cr3t' };
    for (let i = 0; i < 10; i++) deep = { inner: deep };
    expect(JSON.stringify(redactSecrets(deep, ['s3cr3t']))).not.toContain('s3cr3t');
  });

  it('returns the input unchanged when there is nothing to redact', () => {
    const fields = { message: 'hello' };
    expect(redactSecrets(fields, [])).toBe(fields);
    expect(redactSecrets(fields, [''])).toBe(fields);
  });
});
